"""Staff accounts, sessions, roles and rights, passwords, OpenID Connect and the staff admin API."""
