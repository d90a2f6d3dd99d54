"""What the municipality owes a resident: cases (zaken), callback requests, appointments, deadlines,
and the outbox to the external registers."""
