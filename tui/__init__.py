"""waqr: a terminal console for WhatsApp QR codes (message links and device linking)."""

import logging

__version__ = "0.1.0"

# Nothing may reach stderr by default: Textual draws the screen there. `tui.logs.setup` adds the file.
logging.getLogger("waqr").addHandler(logging.NullHandler())
