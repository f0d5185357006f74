"""QR encoding, terminal rendering and PNG decoding. No Textual here."""
