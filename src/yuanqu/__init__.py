"""yuanqu (园区): the operating system of an economic development zone."""

__version__ = "0.1.0"
