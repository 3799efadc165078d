"""Safeguard: a multi-agency safeguarding case system for children's services in England."""

__version__ = "0.1.0"
