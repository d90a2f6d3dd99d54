"""The ``kcc`` command line and the process launcher."""
