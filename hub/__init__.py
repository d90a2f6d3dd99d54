"""KCC hub: the application that owns conversations, contacts and their history."""
