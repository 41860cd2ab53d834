"""QR codes: an otpauth URI drawn as PNG, SVG or terminal text, and a picture read back.

"Scanning" is always a real decode of the picture (zxing-cpp), never a peek at the URI, so a
QR code that a phone could not read fails here too. Imaging libraries load only when used.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

BOX_SIZE = 8
"""Pixels per module: large enough for a phone camera from a laptop screen."""

BORDER = 4
"""The quiet zone the QR standard requires, in modules."""


class QrDecodeError(ValueError):
    """The picture holds no readable QR code."""


def _make(uri: str):
    import qrcode

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER
    )
    code.add_data(uri)
    code.make(fit=True)
    return code


def modules(uri: str) -> int:
    """The QR version's side in modules (21 for version 1, +4 per version)."""
    return _make(uri).modules_count


def png_bytes(uri: str) -> bytes:
    """The QR code for ``uri`` as PNG bytes."""
    image = _make(uri).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def svg_text(uri: str) -> str:
    """The QR code for ``uri`` as a standalone SVG document."""
    import qrcode.image.svg

    image = _make(uri).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def terminal_text(uri: str) -> str:
    """The QR code drawn with block characters, for a terminal."""
    buffer = io.StringIO()
    _make(uri).print_ascii(out=buffer, invert=True)
    return buffer.getvalue()


def write(uri: str, path: str | Path) -> Path:
    """Write the QR code to ``path``; the suffix (.png or .svg) chooses the format."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".png":
        target.write_bytes(png_bytes(uri))
    elif suffix == ".svg":
        target.write_text(svg_text(uri), encoding="utf-8")
    else:
        raise ValueError(
            f"cannot write a QR code as {suffix or 'a file with no suffix'}: use .png or .svg"
        )
    return target


def decode(image: bytes | str | Path | object) -> str:
    """The text of the first QR code found in a picture (PNG/JPEG bytes, a path, or a PIL image)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    # The header alone can claim billions of pixels, and reading them would exhaust memory.
    # No photo of a QR code comes anywhere near PIL's warning limit, so past it is an error,
    # checked before load().
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(image, (bytes, bytearray)):
                picture = Image.open(io.BytesIO(image))
            elif isinstance(image, (str, Path)):
                picture = Image.open(image)
            else:
                picture = image
        width, height = picture.size
        if width * height > Image.MAX_IMAGE_PIXELS:
            raise Image.DecompressionBombError(f"{width}x{height} pixels")
        picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise QrDecodeError(
            "the picture is too large to read: crop or shrink it to the QR code"
        ) from None
    except (OSError, UnidentifiedImageError) as error:
        raise QrDecodeError(f"not a picture that can be read: {error}") from None
    found = zxingcpp.read_barcodes(picture.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        raise QrDecodeError("no QR code found in the picture")
    return found[0].text
