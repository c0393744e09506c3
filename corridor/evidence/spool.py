"""A temporary file that never holds plaintext: an upload on its way in, a plain bag on its way
out (decision 0035).

Django writes an upload over 2.5 MB to a plaintext temporary file, and an unencrypted package
written to disk would sit there in clear; either would outlive the request on a seized disk
(T1). A spool is an unnamed file (unlinked as soon as it is opened, so a crash leaves no name
behind) whose chunks are sealed with XChaCha20-Poly1305 under a key that exists only in this
process's memory; the associated data numbers each chunk and marks the last, so a chunk
cannot be dropped or reordered unnoticed. Memory stays bounded by one chunk.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from corridor.vault import crypto

CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")


def spool_dir() -> Path:
    """Beside the evidence files (the same disk), private to the server's user."""
    path = Path(settings.CORRIDOR_EVIDENCE_DIR) / ".spool"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class Spool:
    """Write bytes, then read them back once, in order; `discard` closes it (nothing to
    delete: the file has no name from the moment it exists)."""

    def __init__(self) -> None:
        self._key = crypto.random_key()
        descriptor, name = tempfile.mkstemp(dir=spool_dir(), prefix=".spool-")
        os.unlink(name)
        self._handle = os.fdopen(descriptor, "w+b")
        self._buffer = bytearray()
        self._index = 0
        self.size = 0
        self._closed_for_writing = False

    def _aad(self, index: int, last: bool) -> bytes:
        return b"corridor|spool|" + struct.pack(">Q?", index, last)

    def _seal(self, data: bytes, last: bool) -> None:
        sealed = crypto.aead_encrypt(self._key, data, self._aad(self._index, last))
        self._handle.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.size += len(data)
        # Keep one full chunk back, so the last sealed chunk is always marked as the last.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:  # a file-like sink for the tar writer
        pass

    def finish(self) -> None:
        if not self._closed_for_writing:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._handle.flush()
            self._closed_for_writing = True

    def chunks(self) -> Generator[bytes, None, None]:
        """The bytes written, in order (once); the spool is closed at the end."""
        self.finish()
        self._handle.seek(0)
        try:
            index = 0
            while True:
                header = self._handle.read(_LENGTH.size)
                if len(header) != _LENGTH.size:
                    raise OSError("spool cut short")
                sealed = self._handle.read(_LENGTH.unpack(header)[0])
                last = self._handle.tell() == os.fstat(self._handle.fileno()).st_size
                yield crypto.aead_decrypt(self._key, sealed, self._aad(index, last))
                if last:
                    return
                index += 1
        finally:
            self.discard()

    def discard(self) -> None:
        self._handle.close()
        self._buffer.clear()

    def reading(self) -> SpoolReading:
        """The bytes written, for a streaming response: closing it (as Django does when the
        response ends, read to the end or not) closes the spool."""
        return SpoolReading(self)


class SpoolReading:
    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._chunks = spool.chunks()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        self._chunks.close()
        self.spool.discard()


class SpooledUpload(UploadedFile):
    """An uploaded file held in a spool: `spool.chunks()` gives it back, byte for byte."""

    def __init__(self, spool: Spool, name: str, content_type: str, size: int) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.spool = spool

    def close(self) -> None:
        self.spool.discard()


class SpoolUploadHandler(FileUploadHandler):
    """Every file of the request into a spool, refusing past `limit` bytes in all.

    Over the limit the parser is stopped and reads the rest of the body without keeping it,
    so the page can say what happened; `too_large` tells the view.
    """

    def __init__(self, request: Any, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False
        self.spools: list[Spool] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.spool = Spool()
        self.spools.append(self.spool)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self.discard()
            raise StopUpload(connection_reset=False)
        self.spool.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> SpooledUpload:
        self.spool.finish()
        return SpooledUpload(
            self.spool, self.file_name or "", self.content_type or "", self.spool.size
        )

    def discard(self) -> None:
        for spool in self.spools:
            spool.discard()
