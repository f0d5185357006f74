"""QR images -> text (zxing-cpp), for Green API's base64 PNGs."""

from __future__ import annotations

import base64
import binascii
import io

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4096 * 4096


class QrImageError(ValueError):
    """The image could not be read, or holds no readable QR code."""


def decode_image(data: bytes) -> str:
    """The text of the QR code in a PNG (or any image Pillow reads)."""
    import zxingcpp  # imported on first use: not needed for the first frame
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise QrImageError("the QR image is too large")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise QrImageError("the QR image is too large")
            img = img.convert("L")
            img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        if isinstance(exc, QrImageError):
            raise
        raise QrImageError("the QR image is not a readable picture") from None
    results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    for result in results:
        if result.valid and result.text:
            return result.text
    raise QrImageError("the image holds no readable QR code")


def decode_base64_image(message: str) -> str:
    """Green API sends the PNG base64-encoded, sometimes as a data: URL."""
    if "," in message[:40] and message.startswith("data:"):
        message = message.split(",", 1)[1]
    try:
        data = base64.b64decode(message.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise QrImageError("the QR image is not valid base64") from None
    return decode_image(data)
