"""What cleaning one file will cost, known before the work, and the work itself (T5).

The image and PDF cleaners read only what they need to price a file (an image's header, a
PDF's page tree) and return a `Plan`: its `Cost`, which is counted against the request's and
the hour's budgets before anything is decoded, and `finish`, which does the work. Both run in
the confined child of `cleaning.py`; nothing here imports Django, so a refusal travels back
to the web process as a code (`Refused.code`) that `attachments.REFUSALS` turns into a
message in the requester's language.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

MIB = 1024 * 1024
MAX_FILE_BYTES = 5 * MIB  # a file as sent, and as cleaned


class Refused(Exception):
    """A file the cleaners will not take; `code` names its message (`attachments.REFUSALS`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Cost:
    """The work a file asks for: image memory at the size it is decoded, and PDF pages."""

    decoded_bytes: int = 0  # pixels decoded x bytes Pillow holds for each, plus any copy made
    pages: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.decoded_bytes + other.decoded_bytes, self.pages + other.pages)


@dataclass(frozen=True)
class Cleaned:
    content: bytes
    content_type: str
    extension: str


@dataclass(frozen=True)
class Plan:
    cost: Cost
    finish: Callable[[], Cleaned]


class CappedBuffer(io.BytesIO):
    """An output buffer that refuses to grow past `MAX_FILE_BYTES`: an encoder writing a
    cleaned file that could never be stored stops there instead of filling memory."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + memoryview(data).nbytes > MAX_FILE_BYTES:
            raise Refused("file_too_large")
        return super().write(data)
