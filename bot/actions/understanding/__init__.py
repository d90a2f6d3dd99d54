"""How the bot decides what a resident means before a heavy step: the evidence gates (a report, anger,
a person asked for), the status gate, the most likely topic when a gate says no, and long messages
decided by the classifier and knowledge search together (see bot/README.md, "Understanding what
residents mean")."""
