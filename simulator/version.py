"""waitsim's version: written into every results folder's manifest and checked on resume."""

__version__ = "0.3.0"
