"""Files kept encrypted on disk under a vault record's data key, streamed in chunks.

An evidence file can be hundreds of megabytes: it is never held whole in memory. Each chunk
of up to CHUNK bytes is sealed with XChaCha20-Poly1305 under the record's own data key; the
associated data names the record, the chunk's number and whether it is the last, so chunks
cannot be reordered, dropped, swapped between files or the file cut short without the read
failing (the secretstream construction, built from the vault's one AEAD). On disk: for each
chunk, its sealed length (4 bytes, big-endian) and the sealed chunk.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from corridor.vault import crypto
from corridor.vault.keyring import field_aad, record_data_key
from corridor.vault.reads import record_opened

CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")


class SealedFileDamaged(Exception):
    """The stored file is cut short, reordered or altered."""


def _aad(record: Any, index: int, last: bool, column: str) -> bytes:
    return field_aad(record, column) + struct.pack(">Q?", index, last)


def _rechunk(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    yield bytes(buffer)


def sealed_file_write(
    record: Any, pieces: Iterable[bytes], path: Path, *, column: str = "file"
) -> None:
    """Write `pieces` sealed to `path` (a temporary name first, renamed when complete).

    `column` names the file in the associated data: a record may hold several files (an
    evidence item's original and its working copy), and a chunk of one never opens as the
    other's."""
    key = record_data_key(record)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    chunks = _rechunk(pieces)
    try:
        with open(temporary, "wb") as handle:
            index = 0
            current = next(chunks)
            for following in chunks:
                sealed = crypto.aead_encrypt(key, current, _aad(record, index, False, column))
                handle.write(_LENGTH.pack(len(sealed)) + sealed)
                index += 1
                current = following
            sealed = crypto.aead_encrypt(key, current, _aad(record, index, True, column))
            handle.write(_LENGTH.pack(len(sealed)) + sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def sealed_file_read(record: Any, path: Path, *, column: str = "file") -> Iterator[bytes]:
    """The plaintext of the file, chunk by chunk; the read is noted for the audit check."""
    key = record_data_key(record)
    record_opened(record)
    with open(path, "rb") as handle:
        index = 0
        while True:
            header = handle.read(_LENGTH.size)
            if len(header) != _LENGTH.size:
                raise SealedFileDamaged(f"{path.name}: cut short before its last chunk")
            (size,) = _LENGTH.unpack(header)
            sealed = handle.read(size)
            last = handle.peek(1) == b"" if hasattr(handle, "peek") else False
            try:
                plain = crypto.aead_decrypt(key, sealed, _aad(record, index, last, column))
            except crypto.DecryptionError as exc:
                raise SealedFileDamaged(f"{path.name}: chunk {index} does not open") from exc
            yield plain
            if last:
                return
            index += 1
