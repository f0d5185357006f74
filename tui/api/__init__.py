"""Async clients for the three services. No Textual here."""
