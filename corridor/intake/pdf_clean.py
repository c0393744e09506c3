"""PDFs: a new document holding only what the pages draw (T7, and T4 for the desk).

A PDF from the public may carry the sender's traces (document information, XMP streams, the
camera's EXIF inside an embedded photo) and things that run when the desk opens it (open
actions, JavaScript, forms and XFA, annotations with actions, embedded files). Deleting
those from the original is not enough: pypdf copies everything a page reaches, and a page
(or a resource) can point back at the original catalogue and bring it all along. So nothing
is copied from the original document as a whole. Each page is rebuilt in a new document
from five things, `/MediaBox`, `/CropBox`, `/Rotate`, `/Contents` and `/Resources` (and
`/Group`, which says how the page blends), and the resources are copied object by object:

- a resource dictionary keeps only the kinds of resource a content stream can name
  (`RESOURCE_KINDS`);
- any dictionary or stream loses the keys in `DROPPED_KEYS` wherever it is (metadata,
  actions, scripts, forms, structure, links back to pages and their parents), a stream also
  its external-file keys;
- an object of a document-level type (catalogue, page tree, page, annotation, action, file
  specification, metadata stream, PostScript XObject ...) or any object the original's
  catalogue, page tree, pages or document information is, becomes null;
- embedded JPEG photos lose their APPn and comment segments (EXIF, XMP, ICC, IPTC).

What remains: the page contents as they were (text, drawings, marked content), fonts (whose
names can hint at the software used), images (a JPEG 2000 image keeps any metadata boxes),
colour spaces with their ICC profiles. The document has at most `MAX_PDF_PAGES` pages,
found by walking the page tree with a bound rather than trusting its `/Count`; the walk and
the copy have their own bounds (depth, objects), and `cleaning.py` bounds the memory and
time pypdf's parser may take, which no check of the input can.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from typing import Any

from pypdf import Configuration, PdfReader, PdfWriter, apply_configuration
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from corridor.intake.image_clean import jpeg_without_metadata
from corridor.intake.plans import MIB, CappedBuffer, Cleaned, Cost, Plan, Refused

MAX_PDF_PAGES = 100
MAX_PDF_OBJECTS = 20_000  # objects copied into the new document
MAX_DEPTH = 48  # nesting of the page tree, and of a resource inside another
LETTER = (0, 0, 612, 792)

INHERITED = ("/MediaBox", "/CropBox", "/Rotate", "/Resources")
RESOURCE_KINDS = frozenset(
    {"/Font", "/XObject", "/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/Properties"}
)
DROPPED_KEYS = frozenset(
    {
        # metadata
        "/Metadata", "/PieceInfo", "/LastModified", "/Info", "/Private", "/SpiderInfo",
        "/CreatorInfo", "/Usage", "/ID", "/Measure", "/PtData", "/VP", "/Thumb",
        # what runs or opens something
        "/JS", "/JavaScript", "/AA", "/A", "/OpenAction", "/URI", "/Launch", "/Next",
        "/Annots", "/AcroForm", "/XFA", "/Names", "/EmbeddedFiles", "/EF", "/RF", "/AF",
        "/Collection", "/Perms", "/Legal", "/Sig", "/DSS", "/Encrypt", "/PS", "/Ref", "/OPI",
        # the document's structure, and links back to it
        "/Parent", "/Kids", "/P", "/B", "/Dests", "/Outlines", "/Threads", "/StructTreeRoot",
        "/StructParent", "/StructParents", "/OC", "/OCProperties", "/PageLabels",
    }
)  # fmt: skip
STREAM_DROPPED_KEYS = frozenset({"/F", "/FFilter", "/FDecodeParms", "/DL", "/Length"})
DOCUMENT_TYPES = frozenset(
    {
        "/Catalog", "/Pages", "/Page", "/Annot", "/Action", "/Filespec", "/EmbeddedFile",
        "/Metadata", "/Sig", "/SigRef", "/TransformParams", "/Outlines", "/Thread", "/Bead",
        "/StructTreeRoot", "/StructElem", "/Collection", "/XRef", "/ObjStm", "/Rendition",
        "/MediaClip", "/Sound", "/Movie", "/3D", "/RichMediaContent", "/RichMediaSettings",
    }
)  # fmt: skip
ACTION_KINDS = frozenset(
    {
        "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
        "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript",
        "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/RichMediaExecute",
    }
)  # fmt: skip
ANNOTATION_KINDS = frozenset(
    {
        "/Text", "/Link", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
        "/Popup", "/FileAttachment", "/Sound", "/Movie", "/Widget", "/Screen", "/PrinterMark",
        "/TrapNet", "/Watermark", "/3D", "/Redact", "/Projection", "/RichMedia",
        "/PS",  # not an annotation: a PostScript XObject, which a printer may still run
    }
)  # fmt: skip
_PYPDF_FIELDS = {f.name for f in dataclasses.fields(Configuration)}
# pypdf's own bounds, lowered for files of at most 5 MB: they only make a hostile file fail
# sooner (the hard bound is the child's, in cleaning.py).
_PYPDF_LIMITS: dict[str, Any] = {
    "maximum_declared_stream_length": 8 * MIB,
    "array_based_stream_maximum_output_length": 8 * MIB,
    "zlib_maximum_output_length": 8 * MIB,
    "lzw_maximum_output_length": 8 * MIB,
    "run_length_maximum_output_length": 8 * MIB,
    "brotli_maximum_output_length": 8 * MIB,
    "jbig2_maximum_output_length": 8 * MIB,
    "page_tree_maximum_entries": 4 * MAX_PDF_PAGES,
    "page_tree_maximum_depth": MAX_DEPTH,
    "jbig2dec_binary": None,
}
PYPDF_LIMITS = {k: v for k, v in _PYPDF_LIMITS.items() if k in _PYPDF_FIELDS}  # older pypdf
_ERRORS = (
    PyPdfError,
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    ArithmeticError,
)


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _raw(node: DictionaryObject, key: str) -> Any:
    """The value as stored (an IndirectObject stays one), or None."""
    return dict.get(node, key)


def _names(value: Any) -> set[str]:
    """A name, or the names in an array of them (a /Filter), as strings."""
    value = _resolved(value)
    if isinstance(value, ArrayObject):
        return {str(_resolved(v)) for v in value if isinstance(_resolved(v), NameObject)}
    return {str(value)} if isinstance(value, NameObject) else set()


def _document_level(node: DictionaryObject) -> bool:
    """An object that is part of the document, not of what a page draws: dropped."""
    kind, subtype = _names(_raw(node, "/Type")), _names(_raw(node, "/Subtype"))
    return bool(
        kind & DOCUMENT_TYPES
        or subtype & ANNOTATION_KINDS
        or _names(_raw(node, "/S")) & ACTION_KINDS
        or "/FT" in node  # a form field
    )


# --- the page tree --------------------------------------------------------------------------


@dataclass
class _Page:
    node: DictionaryObject
    inherited: dict[str, Any]


@dataclass
class _Tree:
    pages: list[_Page] = field(default_factory=list)
    structure: set[int] = field(default_factory=set)  # object numbers never to copy


def _page_tree(reader: PdfReader) -> _Tree:
    """The pages in order with what they inherit, walked with bounds: more pages than
    MAX_PDF_PAGES, a deeper tree than MAX_DEPTH or too many entries is refused."""
    tree = _Tree()
    trailer = reader.trailer
    root = _resolved(_raw(trailer, "/Root"))
    if not isinstance(root, DictionaryObject) or "/Pages" not in root:
        raise Refused("pdf_unreadable")
    # The catalogue, the document information, and what the catalogue holds (names, forms,
    # outlines, metadata, open action ...) are never copied, whoever points at them.
    for value in [*(_raw(trailer, key) for key in trailer), *(_raw(root, k) for k in root)]:
        if isinstance(value, IndirectObject):
            tree.structure.add(value.idnum)
    stack: list[tuple[Any, dict[str, Any], int]] = [(_raw(root, "/Pages"), {}, 0)]
    seen: set[int] = set()
    entries = 0
    while stack:
        reference, inherited, depth = stack.pop()
        entries += 1
        if entries > 2 * MAX_PDF_PAGES + MAX_DEPTH:
            raise Refused("pdf_too_many_pages")
        if isinstance(reference, IndirectObject):
            if reference.idnum in seen:
                continue  # a cycle, or a page listed twice
            seen.add(reference.idnum)
            tree.structure.add(reference.idnum)
        node = _resolved(reference)
        if not isinstance(node, DictionaryObject):
            continue
        inherited = {**inherited, **{k: _raw(node, k) for k in INHERITED if k in node}}
        if "/Kids" in node and "/Page" not in _names(_raw(node, "/Type")):
            kids = _resolved(_raw(node, "/Kids"))
            if depth >= MAX_DEPTH or not isinstance(kids, ArrayObject):
                raise Refused("pdf_unreadable")
            stack.extend((kid, inherited, depth + 1) for kid in reversed(kids))
            continue
        tree.pages.append(_Page(node, inherited))
        if len(tree.pages) > MAX_PDF_PAGES:
            raise Refused("pdf_too_many_pages")
    if not tree.pages:
        raise Refused("pdf_unreadable")
    return tree


# --- the copy -------------------------------------------------------------------------------

_SCALARS = (
    NameObject,
    NumberObject,
    FloatObject,
    BooleanObject,
    NullObject,
    ByteStringObject,
    TextStringObject,
)


class _Copier:
    """Copies resources into `writer`, object by object, with the filters of the docstring."""

    def __init__(self, writer: PdfWriter, structure: set[int]) -> None:
        self.writer = writer
        self.structure = structure
        self.copied: dict[tuple[int, int], PdfObject] = {}

    def copy(self, value: Any, depth: int = 0) -> PdfObject:
        if depth > MAX_DEPTH:
            raise Refused("too_complex")
        if isinstance(value, IndirectObject):
            return self._indirect(value, depth)
        if isinstance(value, DictionaryObject):  # streams are only ever indirect
            shell = self._shell(value)
            if shell is not None:
                self._fill(shell, value, depth)
            return shell if shell is not None else NullObject()
        if isinstance(value, ArrayObject):
            return ArrayObject(self.copy(item, depth + 1) for item in value)
        if isinstance(value, _SCALARS):
            return value
        return NullObject()

    def resources(self, value: Any, depth: int = 0) -> PdfObject:
        """A resource dictionary with only the kinds of resource content can name."""
        value = _resolved(value)
        if not isinstance(value, DictionaryObject) or isinstance(value, StreamObject):
            return DictionaryObject()
        kept = DictionaryObject()
        for kind in RESOURCE_KINDS & set(value.keys()):
            copied = self.copy(_raw(value, kind), depth + 1)
            if not isinstance(copied, NullObject):
                kept[NameObject(kind)] = copied
        return kept

    def _indirect(self, reference: IndirectObject, depth: int) -> PdfObject:
        key = (reference.idnum, reference.generation)
        if reference.idnum in self.structure:
            return NullObject()
        if key in self.copied:
            return self.copied[key]
        target = reference.get_object()
        if not isinstance(target, DictionaryObject | ArrayObject):
            copied = self.copy(target, depth + 1)
            self.copied[key] = copied
            return copied
        shell = self._shell(target) if isinstance(target, DictionaryObject) else ArrayObject()
        if shell is None:
            self.copied[key] = NullObject()
            return NullObject()
        if len(self.copied) >= MAX_PDF_OBJECTS:
            raise Refused("too_complex")
        added = self.writer._add_object(shell)  # the reference first: cycles end here
        self.copied[key] = added
        self._fill(shell, target, depth)
        return added

    def _shell(self, source: DictionaryObject) -> DictionaryObject | None:
        """An empty copy to fill (a stream keeps its data), or None for a dropped object."""
        if _document_level(source):
            return None
        if not isinstance(source, StreamObject):
            return DictionaryObject()
        data = source._data
        if _names(_raw(source, "/Filter")) == {"/DCTDecode"}:  # a JPEG photo
            data = jpeg_without_metadata(data)
        fields: dict[Any, Any] = {"__streamdata__": data}
        if "/Filter" in source:
            fields[NameObject("/Filter")] = NullObject()  # filled below; says "encoded"
        return StreamObject.initialize_from_dictionary(fields)

    def _fill(self, shell: PdfObject, source: PdfObject, depth: int) -> None:
        if isinstance(shell, ArrayObject) and isinstance(source, ArrayObject):
            shell.extend(self.copy(item, depth + 1) for item in source)
            return
        if not (isinstance(shell, DictionaryObject) and isinstance(source, DictionaryObject)):
            return
        dropped = DROPPED_KEYS | (
            STREAM_DROPPED_KEYS if isinstance(source, StreamObject) else set()
        )
        for key in list(source.keys()):
            if key in dropped:
                continue
            if key == "/Resources":
                copied = self.resources(_raw(source, key), depth + 1)
            else:
                copied = self.copy(_raw(source, key), depth + 1)
            if not isinstance(copied, NullObject):
                shell[NameObject(key)] = copied
        if "/Filter" in shell and isinstance(shell["/Filter"], NullObject):
            del shell["/Filter"]


def _box(value: Any) -> ArrayObject | None:
    value = _resolved(value)
    if not isinstance(value, ArrayObject) or len(value) != 4:
        return None
    numbers = [_resolved(v) for v in value]
    if not all(isinstance(n, NumberObject | FloatObject) for n in numbers):
        return None
    return ArrayObject(FloatObject(float(n)) for n in numbers)


def _rotation(value: Any) -> int:
    value = _resolved(value)
    return int(value) % 360 if isinstance(value, NumberObject) and int(value) % 90 == 0 else 0


def _contents(copier: _Copier, value: Any) -> PdfObject | None:
    """The page's content streams, copied; None if it has none."""
    items = _resolved(value)
    references = list(items) if isinstance(items, ArrayObject) else [value]
    streams = ArrayObject()
    for reference in references:
        if isinstance(reference, IndirectObject) and isinstance(
            reference.get_object(), StreamObject
        ):
            copied = copier.copy(reference)
            if not isinstance(copied, NullObject):
                streams.append(copied)
    return streams if streams else None


def _rebuild(reader: PdfReader, tree: _Tree) -> bytes:
    writer = PdfWriter()
    writer.metadata = None  # no document information dictionary at all
    writer.pdf_header = b"%PDF-1.7"
    copier = _Copier(writer, tree.structure)
    for page in tree.pages:
        media = _box(page.inherited.get("/MediaBox")) or ArrayObject(map(FloatObject, LETTER))
        width, height = float(media[2]) - float(media[0]), float(media[3]) - float(media[1])
        new = writer.add_blank_page(abs(width) or LETTER[2], abs(height) or LETTER[3])
        new[NameObject("/MediaBox")] = media
        crop = _box(page.inherited.get("/CropBox"))
        if crop is not None:
            new[NameObject("/CropBox")] = crop
        if rotation := _rotation(page.inherited.get("/Rotate")):
            new[NameObject("/Rotate")] = NumberObject(rotation)
        new[NameObject("/Resources")] = copier.resources(page.inherited.get("/Resources"))
        if "/Group" in page.node:
            group = copier.copy(_raw(page.node, "/Group"))
            if isinstance(group, DictionaryObject | IndirectObject):
                new[NameObject("/Group")] = group
        if "/Contents" in page.node:
            contents = _contents(copier, _raw(page.node, "/Contents"))
            if contents is not None:
                new[NameObject("/Contents")] = contents
    out = CappedBuffer()
    writer.write(out)
    return out.getvalue()


def pdf_plan(data: bytes) -> Plan:
    """Open the PDF and walk its page tree; the plan's work builds the new document."""
    try:
        with apply_configuration(**PYPDF_LIMITS):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Refused("pdf_unreadable")
            tree = _page_tree(reader)
    except _ERRORS:
        raise Refused("pdf_unreadable") from None
    return Plan(Cost(pages=len(tree.pages)), lambda: _pdf_finish(reader, tree))


def _pdf_finish(reader: PdfReader, tree: _Tree) -> Cleaned:
    try:
        with apply_configuration(**PYPDF_LIMITS):
            content = _rebuild(reader, tree)
    except _ERRORS:
        raise Refused("pdf_unreadable") from None
    return Cleaned(content, "application/pdf", "pdf")
