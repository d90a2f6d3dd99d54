"""Warm transfer to backoffice specialists: asking, accepting and giving back (``transfer``) and
its HTTP API (``api``)."""
