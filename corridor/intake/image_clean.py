"""Images: priced from their header, decoded at a bounded size, re-encoded from pixels (T5, T7).

A 170 KB PNG can declare 6,320 x 6,320 pixels: decoding it takes 160 MB, and every copy made
from it as much again. So the memory an image will take is computed from its header before
anything is decoded (`Cost.decoded_bytes`: pixels x the bytes Pillow holds for each, plus a
converted copy where one is needed, plus a progressive JPEG's coefficient buffers), and an
image whose cost passes `MAX_DECODED_BYTES` is refused. A JPEG is first offered a reduced
decode (libjpeg scales by 1/2, 1/4 or 1/8 while decoding, `Image.draft`), so a large photo
is kept at the largest scale that fits rather than refused; other formats cannot be decoded
at a reduced size and must fit as they are. After the decode there is at most one more
full-size image at a time (a mode conversion or the EXIF turn), and the previous one is
freed as soon as it is replaced.

The image is re-encoded with its pixels and, for PNG, its transparency alone: EXIF (camera,
time, GPS position), XMP, IPTC, comments and colour profiles do not survive (T7: a photo
can locate the person who took it). Photos are kept upright from their EXIF orientation
before it is dropped.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from corridor.intake.plans import MIB, CappedBuffer, Cleaned, Cost, Plan, Refused

# Load Pillow's format plugins once in the web process, so that each cleaning child, forked
# from it, does not import them again.
Image.init()

MAX_PIXELS = 40_000_000  # a 40-megapixel photo, as declared in its header
MAX_DECODED_BYTES = 96 * MIB  # a 24-megapixel photo decoded; a larger JPEG is decoded smaller

# Bytes Pillow holds for one pixel of each mode (RGB is stored in four).
BYTES_PER_PIXEL = {
    "1": 1, "L": 1, "P": 1,
    "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2,
    "LA": 4, "La": 4, "PA": 4, "RGB": 4, "RGBA": 4, "RGBa": 4, "RGBX": 4,
    "CMYK": 4, "YCbCr": 4, "LAB": 4, "HSV": 4, "I": 4, "F": 4,
}  # fmt: skip
# libwebp decodes into its own canvases before Pillow copies the frame: 15.3 bytes a pixel
# measured at peak on a 16-megapixel WebP.
WEBP_BYTES_PER_PIXEL = 16
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})
FORMATS = {"jpeg": ("JPEG", "MPO"), "png": ("PNG",), "gif": ("GIF",), "webp": ("WEBP",)}
ORIENTATION_TAG = 0x0112
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_READ_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


# --- JPEG segments: the frame header, the number of scans, the metadata segments -----------

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_SOS, _EOI = 0xDA, 0xD9
# APP0-APP13, APP15 and comments: JFIF/EXIF/XMP/ICC/IPTC/maker data. APP14 (Adobe) stays: it
# says how the colour channels are coded, and a CMYK image decodes wrongly without it.
_METADATA = frozenset({*range(0xE0, 0xEE), 0xEF, 0xFE})


@dataclass(frozen=True)
class JpegFrame:
    width: int
    height: int
    sampling: tuple[tuple[int, int], ...]  # (horizontal, vertical) factor of each component
    buffered: bool  # progressive or several scans: libjpeg holds every coefficient at once


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at `pos` ends (the next marker)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # a stuffed byte, a restart
            pos += 2
            continue
        return pos


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """(marker, start, body, end) of each segment after SOI, up to EOI; a scan's segment
    includes its entropy-coded data. ValueError for anything that is not a JPEG's layout."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("no SOI")
    pos, size = 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise ValueError("no marker")
        start = pos
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            break
        marker, pos = data[pos], pos + 1
        if marker == _EOI:
            yield marker, start, pos, pos
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield marker, start, pos, pos
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > size:
            raise ValueError("bad segment length")
        body, pos = pos, pos + length
        if marker == _SOS:
            pos = _scan_end(data, pos)
        yield marker, start, body, pos
    raise ValueError("no EOI")


def jpeg_frame(data: bytes) -> JpegFrame:
    frame: JpegFrame | None = None
    scans = 0
    progressive = False
    for marker, _start, body, _end in jpeg_segments(data):
        if marker in _SOF and frame is None:
            height = int.from_bytes(data[body + 3 : body + 5], "big")
            width = int.from_bytes(data[body + 5 : body + 7], "big")
            count = data[body + 7]
            factors = data[body + 8 : body + 8 + 3 * count]
            sampling = tuple((b >> 4, b & 0x0F) for b in factors[1::3])
            if not (width and height and len(sampling) == count and all(map(all, sampling))):
                raise ValueError("bad frame header")
            frame = JpegFrame(width, height, sampling, False)
            progressive = marker in _PROGRESSIVE
        elif marker == _SOS:
            scans += 1
    if frame is None or not scans:
        raise ValueError("no frame or no scan")
    return JpegFrame(frame.width, frame.height, frame.sampling, progressive or scans > 1)


def jpeg_without_metadata(data: bytes) -> bytes:
    """The JPEG without its APPn (but APP14) and comment segments and without anything after
    EOI; the entropy-coded data is copied as it is. A JPEG that does not parse is returned
    unchanged: removing metadata is done for the sender, not against a hostile file."""
    try:
        segments = [(marker, start, end) for marker, start, _body, end in jpeg_segments(data)]
    except ValueError:
        return data
    kept = (data[start:end] for marker, start, end in segments if marker not in _METADATA)
    return b"\xff\xd8" + b"".join(kept)


def _coefficient_bytes(frame: JpegFrame) -> int:
    """libjpeg's whole-image coefficient buffers (2 bytes each) for a buffered JPEG."""
    if not frame.buffered:
        return 0
    h_max = max(h for h, _v in frame.sampling)
    v_max = max(v for _h, v in frame.sampling)
    columns = math.ceil(frame.width / (8 * h_max))
    rows = math.ceil(frame.height / (8 * v_max))
    return sum(columns * h * rows * v for h, v in frame.sampling) * 64 * 2


# --- pricing --------------------------------------------------------------------------------


def _jpeg_scale(data: bytes, opened: Image.Image) -> tuple[int, int]:
    """(the reduction to decode at, its cost): the largest decode that fits the budget."""
    try:
        frame = jpeg_frame(data)
    except ValueError:
        raise Refused("image_unreadable") from None
    if (frame.width, frame.height) != opened.size:
        raise Refused("image_unreadable")
    per_pixel = BYTES_PER_PIXEL.get(opened.mode)
    if per_pixel is None:
        raise Refused("image_unreadable")
    if opened.mode not in ("L", "RGB"):
        per_pixel += 4  # a converted RGB copy
    buffers = _coefficient_bytes(frame)
    for reduction in (1, 2, 4, 8):
        pixels = math.ceil(frame.width / reduction) * math.ceil(frame.height / reduction)
        cost = pixels * per_pixel + buffers
        if cost <= MAX_DECODED_BYTES:
            return reduction, cost
    raise Refused("image_too_heavy")


def _output_mode(kind: str, mode: str) -> str:
    if kind in ("jpeg", "webp"):  # photos are stored as JPEG
        return "L" if mode == "L" else "RGB"
    if mode in PNG_MODES:
        return mode
    if mode.startswith("I"):
        return "I;16"
    return "RGBA" if "A" in mode or "a" in mode else "RGB"


def _decode_cost(kind: str, opened: Image.Image) -> int:
    per_pixel = BYTES_PER_PIXEL.get(opened.mode)
    if per_pixel is None:
        raise Refused("image_unreadable")
    pixels = opened.width * opened.height
    if kind == "webp":
        return pixels * WEBP_BYTES_PER_PIXEL
    converted = 4 if _output_mode(kind, opened.mode) != opened.mode else 0
    return pixels * (per_pixel + converted)


def image_plan(data: bytes, kind: str) -> Plan:
    """Read the header of an image of `kind` (jpeg, png, gif, webp) and price its decode."""
    try:
        opened = Image.open(io.BytesIO(data), formats=FORMATS[kind])
    except Image.DecompressionBombError:  # Pillow's own bound, far above ours
        raise Refused("image_too_large") from None
    except _READ_ERRORS:
        raise Refused("image_unreadable") from None
    if opened.width * opened.height > MAX_PIXELS:
        raise Refused("image_too_large")
    if kind == "jpeg":
        reduction, cost = _jpeg_scale(data, opened)
        if reduction > 1:
            wanted = (opened.width // reduction, opened.height // reduction)
            expected = tuple(math.ceil(side / reduction) for side in opened.size)
            opened.draft(opened.mode, wanted)
            if opened.size != expected:
                raise Refused("image_unreadable")
    else:
        cost = _decode_cost(kind, opened)
    if cost > MAX_DECODED_BYTES:
        raise Refused("image_too_heavy")
    return Plan(Cost(decoded_bytes=cost), lambda: _image_finish(opened, kind))


# --- the work -------------------------------------------------------------------------------


def _replaced(old: Image.Image, new: Image.Image) -> Image.Image:
    old.close()  # frees its pixels now, not when the last reference goes
    return new


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 (a broken EXIF block only loses the turn)
        return 1


def _image_finish(opened: Image.Image, kind: str) -> Cleaned:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened.load()
    except _READ_ERRORS:
        raise Refused("image_unreadable") from None
    turn = TRANSPOSE.get(_orientation(opened))
    transparency = opened.info.get("transparency")
    decoded_mode = opened.mode
    image = opened
    mode = _output_mode(kind, decoded_mode)
    if mode != image.mode:
        image = _replaced(image, image.convert(mode))
    if turn is not None:
        image = _replaced(image, image.transpose(turn))
    # Nothing of the original's info dict reaches the encoder, but a PNG's transparency.
    image.info = {}
    out = CappedBuffer()
    if kind in ("jpeg", "webp"):
        image.save(out, format="JPEG", quality=88)
        return Cleaned(out.getvalue(), "image/jpeg", "jpg")
    if mode == decoded_mode and isinstance(transparency, int | bytes | tuple):
        image.info["transparency"] = transparency
    image.save(out, format="PNG")
    return Cleaned(out.getvalue(), "image/png", "png")
