"""The resident's rights: export, erasure, retention, and "who looked at my data"."""
