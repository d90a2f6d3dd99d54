"""What the municipality owes a resident: cases (zaken), callback requests, deadlines, and the
outbox to the external registers."""
