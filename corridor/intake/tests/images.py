"""Test files made on the spot: a JPEG carrying EXIF GPS, PNG with text, PDF with metadata,
and images whose header declares more pixels than their few bytes suggest."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

GPS_IFD = 0x8825
CAMERA = "MarkerCam Z9"


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "MarkerMaker"  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x0112] = 6  # Orientation: rotated
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (43.0, 18.0, 42.0)  # Grozny
    gps[3] = "E"
    gps[4] = (45.0, 41.0, 52.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"MarkerComment")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "MarkerAuthor")
    info.add_text("Location", "MarkerLocation")
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/X"): TextStringObject("MarkerPieceInfo")}
    )
    writer.add_metadata({"/Author": "MarkerAuthor", "/Title": "MarkerTitle"})
    xmp = StreamObject()
    xmp.set_data(b"<x:xmpmeta>MarkerXmp</x:xmpmeta>")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('MarkerScript')"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_of_size(width: int, height: int, colour: str = "RGB") -> bytes:
    """A PNG of one flat colour, written chunk by chunk: the test never holds its pixels, so
    a 6,320 x 6,320 image (160 MB once decoded) costs the test a few hundred KB."""
    colour_type, channels = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}[colour]

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x40" * (width * channels)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@functools.cache
def jpeg_of_size(width: int, height: int, *, progressive: bool = False) -> bytes:
    """A flat-colour JPEG photo (Pillow holds its pixels while writing it, once a session)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 150)).save(
        out, format="JPEG", progressive=progressive, quality=80
    )
    return out.getvalue()
