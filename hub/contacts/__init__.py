"""Contacts: identity keys, the signed portal token, linking, records, merge/unmerge, BRP/KvK look-ups."""
