"""PDFs built in the test with pypdf, each carrying one construct a cleaned PDF must not keep.

Every construct puts a marker of its own in the file, some of them inside compressed
streams, so a test can show the marker is in the original and nowhere in the cleaned file:
not in its bytes, and not in any object (streams decoded) reachable from its trailer.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from .images import jpeg_with_gps

VISIBLE_TEXT = b"(Visible text) Tj"
FORM_DRAWING = b"0 0 m 40 40 l S"


def _name(value: str) -> NameObject:
    return NameObject(value)


def _dict(**entries: Any) -> DictionaryObject:
    return DictionaryObject({_name(f"/{k}"): v for k, v in entries.items()})


@dataclass
class Build:
    writer: PdfWriter
    page: PageObject
    form: StreamObject

    @property
    def root(self) -> DictionaryObject:
        return self.writer._root_object

    def add(self, obj: Any) -> IndirectObject:
        return self.writer._add_object(obj)

    def stream(self, data: bytes, *, compressed: bool = False, **entries: Any) -> IndirectObject:
        fields: dict[Any, Any] = {_name(f"/{k}"): v for k, v in entries.items()}
        if compressed:
            fields[_name("/Filter")] = _name("/FlateDecode")
            data = zlib.compress(data)
        stream = StreamObject.initialize_from_dictionary({**fields, "__streamdata__": data})
        return self.add(stream)

    def script(self, marker: str) -> IndirectObject:
        return self.add(
            _dict(S=_name("/JavaScript"), JS=TextStringObject(f"app.alert('{marker}')"))
        )


def _base() -> Build:
    """One page that draws text with a font, a form XObject and a JPEG photo with GPS."""
    writer = PdfWriter()
    page = writer.add_blank_page(300, 400)
    build = Build(writer, page, StreamObject())
    page[_name("/CropBox")] = ArrayObject(FloatObject(v) for v in (10, 10, 290, 390))
    page[_name("/Rotate")] = NumberObject(90)
    font = build.add(
        _dict(Type=_name("/Font"), Subtype=_name("/Type1"), BaseFont=_name("/Helvetica"))
    )
    photo = build.stream(
        jpeg_with_gps(),
        Type=_name("/XObject"),
        Subtype=_name("/Image"),
        Width=NumberObject(64),
        Height=NumberObject(48),
        ColorSpace=_name("/DeviceRGB"),
        BitsPerComponent=NumberObject(8),
        Filter=_name("/DCTDecode"),
    )
    form_ref = build.stream(
        FORM_DRAWING,
        Type=_name("/XObject"),
        Subtype=_name("/Form"),
        BBox=ArrayObject(NumberObject(v) for v in (0, 0, 50, 50)),
    )
    build.form = form_ref.get_object()  # type: ignore[assignment]
    content = (
        b"BT /F1 12 Tf 20 20 Td " + VISIBLE_TEXT + b" ET q 64 0 0 48 20 60 cm /Im0 Do Q /Fm0 Do"
    )
    page[_name("/Contents")] = build.stream(content, compressed=True)
    page[_name("/Resources")] = _dict(Font=_dict(F1=font), XObject=_dict(Im0=photo, Fm0=form_ref))
    return build


def _open_action(b: Build) -> None:
    b.root[_name("/OpenAction")] = b.script("MarkerOpenAction")


def _names_javascript(b: Build) -> None:
    tree = _dict(Names=ArrayObject([TextStringObject("run"), b.script("MarkerNamesScript")]))
    b.root[_name("/Names")] = b.add(_dict(JavaScript=b.add(tree)))


def _page_actions(b: Build) -> None:
    b.page[_name("/AA")] = _dict(O=b.script("MarkerPageOpen"), C=b.script("MarkerPageClose"))


def _acroform_xfa(b: Build) -> None:
    field = b.add(
        _dict(
            Type=_name("/Annot"),
            Subtype=_name("/Widget"),
            FT=_name("/Tx"),
            T=TextStringObject("name"),
            V=TextStringObject("MarkerFieldValue"),
            Rect=ArrayObject(NumberObject(v) for v in (0, 0, 10, 10)),
            AA=_dict(K=b.script("MarkerFieldScript")),
        )
    )
    xfa = b.stream(b"<xdp:xdp><script>MarkerXfa</script></xdp:xdp>", compressed=True)
    b.root[_name("/AcroForm")] = b.add(_dict(Fields=ArrayObject([field]), XFA=xfa))
    b.page[_name("/Annots")] = ArrayObject([field])


def _catalog_xmp(b: Build) -> None:
    b.root[_name("/Metadata")] = b.stream(
        b"<x:xmpmeta>MarkerXmpCatalog</x:xmpmeta>", Type=_name("/Metadata"), Subtype=_name("/XML")
    )


def _page_xmp(b: Build) -> None:
    b.page[_name("/Metadata")] = b.stream(b"<x:xmpmeta>MarkerXmpPage</x:xmpmeta>")
    b.page[_name("/PieceInfo")] = _dict(App=_dict(Private=TextStringObject("MarkerPieceInfo")))


def _form_xmp(b: Build) -> None:
    b.form[_name("/Metadata")] = b.stream(b"<x:xmpmeta>MarkerXmpForm</x:xmpmeta>", compressed=True)
    b.form[_name("/PieceInfo")] = _dict(App=_dict(Private=TextStringObject("MarkerFormPiece")))


def _page_points_to_catalog(b: Build) -> None:
    # The catalogue carries a script; the page, and one of its resources, point back at it.
    b.root[_name("/OpenAction")] = b.script("MarkerBacklinkScript")
    b.root[_name("/Names")] = b.add(
        _dict(
            JavaScript=b.add(
                _dict(Names=ArrayObject([TextStringObject("x"), b.script("MarkerBacklinkNames")]))
            )
        )
    )
    catalog = b.root.indirect_reference
    b.page[_name("/Parent")] = catalog
    b.page[_name("/Backlink")] = catalog
    resources: Any = b.page["/Resources"]
    resources[_name("/XObject")][_name("/Cat")] = catalog
    resources[_name("/Properties")] = _dict(Pr0=b.root.raw_get("/Names"))
    b.form[_name("/Catalogue")] = catalog


def _link_annotations(b: Build) -> None:
    link = _dict(
        Type=_name("/Annot"),
        Subtype=_name("/Link"),
        Rect=ArrayObject(NumberObject(v) for v in (0, 0, 10, 10)),
        A=_dict(S=_name("/URI"), URI=TextStringObject("https://MarkerUri.example/")),
    )
    scripted = _dict(
        Type=_name("/Annot"),
        Subtype=_name("/Text"),
        Rect=ArrayObject(NumberObject(v) for v in (0, 0, 10, 10)),
        A=b.script("MarkerAnnotScript"),
    )
    b.page[_name("/Annots")] = ArrayObject([b.add(link), b.add(scripted)])


def _embedded_file(b: Build) -> None:
    data = b.stream(b"MarkerEmbeddedFile", Type=_name("/EmbeddedFile"))
    spec = b.add(_dict(Type=_name("/Filespec"), F=TextStringObject("notes.txt"), EF=_dict(F=data)))
    b.root[_name("/Names")] = b.add(
        _dict(EmbeddedFiles=_dict(Names=ArrayObject([TextStringObject("notes.txt"), spec])))
    )
    # and the same file reached from a resource, as a private key of the form XObject
    b.form[_name("/AF")] = ArrayObject([spec])


def _document_info(b: Build) -> None:
    b.writer.add_metadata(
        {"/Author": "MarkerAuthor", "/Producer": "MarkerProducer", "/Title": "MarkerTitle"}
    )


CONSTRUCTS: dict[str, tuple[Callable[[Build], None], tuple[str, ...]]] = {
    "open-action-javascript": (_open_action, ("MarkerOpenAction",)),
    "names-javascript": (_names_javascript, ("MarkerNamesScript",)),
    "page-additional-actions": (_page_actions, ("MarkerPageOpen", "MarkerPageClose")),
    "acroform-xfa": (_acroform_xfa, ("MarkerFieldValue", "MarkerFieldScript", "MarkerXfa")),
    "catalog-xmp": (_catalog_xmp, ("MarkerXmpCatalog",)),
    "page-xmp": (_page_xmp, ("MarkerXmpPage", "MarkerPieceInfo")),
    "form-xobject-xmp": (_form_xmp, ("MarkerXmpForm", "MarkerFormPiece")),
    "page-points-to-catalog": (
        _page_points_to_catalog,
        ("MarkerBacklinkScript", "MarkerBacklinkNames"),
    ),
    "link-and-script-annotations": (_link_annotations, ("MarkerUri", "MarkerAnnotScript")),
    "embedded-file": (_embedded_file, ("MarkerEmbeddedFile",)),
    "document-info": (_document_info, ("MarkerAuthor", "MarkerProducer", "MarkerTitle")),
}
# Keys that must not be anywhere in a cleaned PDF.
FORBIDDEN_KEYS = frozenset(
    {
        "/OpenAction", "/AA", "/JS", "/JavaScript", "/Names", "/AcroForm", "/XFA", "/FT",
        "/Metadata", "/PieceInfo", "/Annots", "/A", "/URI", "/EmbeddedFiles", "/EF", "/AF",
        "/Info", "/Backlink", "/Catalogue",
    }
)  # fmt: skip


def pdf_with(*names: str) -> tuple[bytes, list[str]]:
    """A PDF with these constructs (all of them if none is named), and their markers."""
    build = _base()
    markers: list[str] = []
    for name in names or tuple(CONSTRUCTS):
        add, its_markers = CONSTRUCTS[name]
        add(build)
        markers += its_markers
    out = io.BytesIO()
    build.writer.write(out)
    return out.getvalue(), markers


def reachable(data: bytes) -> Iterator[tuple[str, Any]]:
    """(where, object) for the trailer and every object reachable from it, streams decoded
    into ("stream", bytes) entries."""
    reader = PdfReader(io.BytesIO(data))
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("trailer", reader.trailer)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                continue
            seen.add(value.idnum)
            where, value = f"{value.idnum} 0 obj", value.get_object()
        yield where, value
        if isinstance(value, StreamObject):
            yield where, value.get_data()
        if isinstance(value, DictionaryObject):
            stack += [(f"{where} {k}", dict.__getitem__(value, k)) for k in value]
        elif isinstance(value, ArrayObject):
            stack += [(f"{where}[{i}]", item) for i, item in enumerate(value)]


def pdf_of_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _by_hand(objects: list[bytes], root: int) -> bytes:
    """A PDF of these objects (numbered from 1) with a classic cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    table = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root))
    out.write(b"startxref\n%d\n%%%%EOF\n" % table)
    return out.getvalue()


def pdf_listing_one_page(times: int) -> bytes:
    """The review's 50,000-page PDF in a few hundred KB: a page tree whose /Kids names the
    same page `times` times (and says so in /Count)."""
    kids = b" ".join([b"3 0 R"] * times)
    return _by_hand(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (times, kids),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
        ],
        root=1,
    )


def pdf_of_numbers(arrays: int, length: int, *, compressed: bool) -> bytes:
    """A one-page PDF whose resources name `arrays` arrays of `length` zeros: pypdf builds an
    object for every number. Compressed, the arrays sit in one object stream, and the file
    is a few KB; plain, a few MB."""
    array = b"[" + b"0 " * length + b"]"
    names = b" ".join(b"/P%d %d 0 R" % (n, 5 + n) for n in range(arrays))
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R "
        b"/Resources << /Properties << " + names + b" >> >> >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    if not compressed:
        return _by_hand(head + [array] * arrays, root=1)
    index = b" ".join(b"%d %d" % (5 + n, n * (len(array) + 1)) for n in range(arrays)) + b" "
    packed = zlib.compress(index + b" ".join([array] * arrays), 9)
    stream_number = 5 + arrays
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for number, body in enumerate(head, 1):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    offsets[stream_number] = out.tell()
    out.write(
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\n"
        % (stream_number, arrays, len(index), len(packed), packed)
    )
    xref_number = stream_number + 1
    offsets[xref_number] = out.tell()
    rows = []
    for number in range(xref_number + 1):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        elif 5 <= number < stream_number:
            rows.append(struct.pack(">BIH", 2, stream_number, number - 5))
        else:
            rows.append(struct.pack(">BIH", 0, 0, 65535))
    table = zlib.compress(b"".join(rows))
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (xref_number, xref_number + 1, len(table), table, offsets[xref_number])
    )
    return out.getvalue()
