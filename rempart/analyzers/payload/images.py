"""Images: QR codes that lead to a web address ("quishing").

A QR code moves the link out of reach of every URL filter and onto a phone, so the decoded address
goes to the links analyzer (``attachment.embedded_urls``, origin ``qr``) and is itself a finding
(``attachment.qr_code_url``). Decoding uses ``zxing-cpp`` on the Pillow-decoded image, bounded by
pixel count (Pillow's own decompression-bomb guard is set to the same bound); tiny images (icons,
tracking pixels) are skipped.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import TYPE_CHECKING

import zxingcpp
from PIL import Image

from rempart.analyzers.payload.report import Item

if TYPE_CHECKING:
    from rempart.analyzers.payload.deep import Deep

QR_CODE_URL = 0.4
MAX_PIXELS = 16_000_000  # decoded image size bound (width x height)
QR_DECODE_SIDE = 1200  # JPEGs larger than this are decoded at 1/2, 1/4 or 1/8 scale
MIN_SIDE = 40  # a QR code needs 21 modules and a quiet zone: smaller images hold none readable
MAX_CODES = 5
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_QR_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode")


def qr_from_pil(image: Image.Image, location: str, deep: Deep) -> None:
    width, height = image.size
    if min(width, height) < MIN_SIDE or width * height > MAX_PIXELS:
        return
    if image.mode != "L":
        image = image.convert("L")
    factor = -(-max(width, height) // (QR_DECODE_SIDE * 3 // 2))
    if factor > 1:  # a QR code big enough to scan with a phone survives halving; decoding cost does not
        image = image.reduce(factor)
    codes = zxingcpp.read_barcodes(image, formats=_QR_FORMATS)
    urls: list[str] = []
    for code in codes[:MAX_CODES]:
        text = (code.text or "").strip()
        if _URL.match(text):
            urls.append(text if "://" in text else f"http://{text}")
    for url in urls:
        deep.report.add("attachment.qr_code_url", QR_CODE_URL, f"{location}#{url}", member=location, url=url)
    deep.report.add_urls(location, "qr", urls)


def decode(data: bytes) -> Image.Image | None:
    """Decode an image for QR reading: bounded pixels, greyscale, big JPEGs decoded at reduced scale."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if min(width, height) < MIN_SIDE or width * height > MAX_PIXELS:
                return None
            if image.format == "JPEG":
                image.draft("L", (QR_DECODE_SIDE, QR_DECODE_SIDE))  # DCT scaling: far less work
            image.load()
            return image
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
    ):
        return None


def open_image(item: Item, deep: Deep) -> None:
    image = decode(item.data)
    if image is not None:
        qr_from_pil(image, item.path, deep)
