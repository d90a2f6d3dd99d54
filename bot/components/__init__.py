"""Custom Rasa graph components of the bot's NLU pipeline (loaded by Rasa from bot/config.yml)."""
