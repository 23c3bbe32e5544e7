"""cvcdesk: the coordinator's desk for County Voluntary Councils."""

__version__ = "0.1.0"
