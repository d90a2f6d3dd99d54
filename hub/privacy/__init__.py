"""Need-to-know rules and labels, and the audit log of every staff read of personal data."""
