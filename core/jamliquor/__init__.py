"""JamLiquor: a JAM protocol client kernel (Graypaper v0.7.2), extended by plugins."""

__version__ = "0.1.0"
GP_VERSION = "0.7.2"
