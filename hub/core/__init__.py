"""The ground floor: settings, MongoDB access, boundary models, the event vocabulary and bus,
background loops and leases, working days, logging. Imports nothing else of the project."""
