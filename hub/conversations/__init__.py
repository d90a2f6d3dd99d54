"""The message path: the pipeline (store, link, bot or desk), the bot client, satisfaction."""
