"""PDFs built in the test with pypdf, each carrying one construct a cleaned PDF must not keep.

Every construct puts a marker of its own in the file, some of them inside compressed
streams, so a test can show the marker is in the original and nowhere in the cleaned file:
not in its bytes, and not in any object (streams decoded) reachable from its trailer.
"""

from __future__ import annotations

import io
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
