"""What a sealed box holds, and padding so that its length says little (T1).

A sealed box's length is its plaintext's plus 48 bytes, so each plaintext is padded first:
requests to 1 KiB, replies to 256 bytes, files to 64 KiB. A seized database then shows
sizes in those steps, not the length of a message or the exact size of a photo.
"""

from __future__ import annotations

import json
from typing import Any

from corridor.intake.attachments import CleanFile
from corridor.vault import crypto

PAYLOAD_BLOCK = 1024
REPLY_BLOCK = 256
FILE_BLOCK = 64 * 1024


def _pad(data: bytes, block: int, filler: bytes) -> bytes:
    return data + filler * (-len(data) % block)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def payload_seal(public_key: bytes, payload: dict[str, Any]) -> bytes:
    # JSON ignores trailing white space: the padding needs no length field.
    return crypto.seal(public_key, _pad(_json(payload), PAYLOAD_BLOCK, b" "))


def payload_unseal(private_key: bytes, sealed: bytes) -> dict[str, Any]:
    value = json.loads(crypto.unseal(private_key, bytes(sealed)))
    if not isinstance(value, dict):
        raise crypto.DecryptionError("a request payload is not a JSON object")
    return value


def reply_seal(public_key: bytes, text: str) -> bytes:
    return crypto.seal(public_key, _pad(_json({"text": text}), REPLY_BLOCK, b" "))


def reply_unseal(private_key: bytes, sealed: bytes) -> str:
    return str(json.loads(crypto.unseal(private_key, bytes(sealed)))["text"])


def file_seal(public_key: bytes, clean: CleanFile) -> tuple[bytes, int]:
    """The sealed file and its padded size in KiB (the only size a database shows)."""
    header = _json(
        {"filename": clean.filename, "content_type": clean.content_type, "size": len(clean.content)}
    )
    plain = _pad(header + b"\n" + clean.content, FILE_BLOCK, b"\0")
    return crypto.seal(public_key, plain), len(plain) // 1024


def file_unseal(private_key: bytes, sealed: bytes) -> CleanFile:
    plain = crypto.unseal(private_key, bytes(sealed))
    header_bytes, _, rest = plain.partition(b"\n")
    header = json.loads(header_bytes)
    return CleanFile(
        filename=str(header["filename"]),
        content_type=str(header["content_type"]),
        content=rest[: int(header["size"])],
    )
