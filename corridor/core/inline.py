"""A file the browser shows itself, from this origin: an image for an <img>, a PDF in the
browser's own viewer (decision 0040).

Only the types intake's cleaner produces are shown inline (images re-encoded from their
pixels, PDFs rebuilt without scripts, forms or annotations: decision 0014), under a policy
that allows next to nothing: no script, frame, form or load from anywhere, a sandboxed
document that another site cannot frame (an image document may style itself). Chromium 156
draws both under it with no violation reported (tests/browser/test_case_attachments_browser.py). Never cached, never sniffed; the
name the requester gave stays out of the headers, the type gives the extension.
"""

from __future__ import annotations

from django.http import HttpResponse

# An image needs nothing; the page that holds it is this origin's (frame-ancestors 'self').
# Opened on its own, Chromium draws it in an image document of its own making whose <img>
# carries style attributes (centring, background, zoom); `default-src 'none'` blocks them
# and reports a violation per attribute. The document can hold nothing else (the type is
# an image, never sniffed, re-encoded by the cleaner), so inline style is allowed and
# nothing more: no script, no loads, sandboxed.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
# A PDF is its own page in the browser's viewer, which needs nothing of it either.
PDF_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def file_response(content: bytes, media_type: str, *, inline: bool) -> HttpResponse:
    """The file inline (a type of EXTENSIONS only) or as a download (any type, as bytes)."""
    extension = EXTENSIONS.get(media_type)
    if inline and extension is None:
        raise ValueError(f"{media_type} is not shown inline")
    response = HttpResponse(
        content, content_type=media_type if extension else "application/octet-stream"
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="attachment.{extension or "bin"}"'
    pdf = media_type == "application/pdf"
    response["Content-Security-Policy"] = PDF_POLICY if pdf and inline else IMAGE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
