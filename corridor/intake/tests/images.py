"""Test files made on the spot: a JPEG carrying EXIF GPS, PNG with text, PDF with metadata."""

from __future__ import annotations

import io

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
