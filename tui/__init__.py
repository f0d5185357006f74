"""waqr: a terminal console for WhatsApp QR codes (message links and device linking)."""

__version__ = "0.1.0"
