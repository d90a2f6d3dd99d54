"""The Rasa project (config, domain, data, tests) and the rasa-sdk action server (bot.actions)."""
