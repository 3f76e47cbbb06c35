"""Telco Console: a back-office console for a telecom operator."""

__version__ = "0.1.0"
