"""posapp: point of sale and back office for physical stores that also sell online."""

__version__ = "0.1.0"
