"""One module per channel, all with the interface of ``channels.base.Channel``."""
