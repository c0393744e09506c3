"""Encrypted, signed backups of the database and media files, and their restore (T1, T6).

A backup is a tar archive (the database snapshot, the media files, and MANIFEST.json last,
with the SHA-256 of every member), encrypted in the age format to the organisation recovery
public key and any extra recipients, and signed beside it (FILE.minisig, minisign format,
with the pinned signing key). Decision 0024 gives the format and why.

SQLite is copied with its online backup API in one step, which reads one consistent snapshot
while writers go on (WAL); PostgreSQL with `pg_dump` (one repeatable-read snapshot). Staging
files live in a 0700 directory beside the target and are removed whatever happens; they hold
only what the database itself holds (its sensitive fields are vault ciphertext).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from corridor.audit.log import audit_record
from corridor.core.archives import tar_extract_safely
from corridor.lifecycle import minisig
from corridor.lifecycle.agekeys import age_identity, age_recipient

FORMAT = "corridor-backup/1"
MANIFEST = "MANIFEST.json"
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
MEDIA = "media"
AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_CHUNK = 64 * 1024 + 16
CHUNK = 1 << 20

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup could not be made, verified or restored; the message says why."""


def _quiet(_message: str) -> None:
    return None


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + ".minisig")


@contextmanager
def _staging(near: Path) -> Iterator[Path]:
    near.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".corridor-staging-", dir=near))
    os.chmod(folder, 0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for name, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _pg_run(arguments: list[str]) -> None:
    """Run pg_dump or pg_restore on the configured database, or BackupError with its words."""
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        arguments, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{arguments[0]} failed: {done.stderr.strip()}")


def _snapshot(folder: Path, progress: Progress) -> tuple[str, Path]:
    started = time.monotonic()
    if connection.vendor == "sqlite":
        target = folder / DB_SQLITE
        source = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=30)
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # pages=-1: one step, one consistent read snapshot
        finally:
            copy.close()
            source.close()
        name = DB_SQLITE
    elif connection.vendor == "postgresql":
        target = folder / DB_PG
        _pg_run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target)])
        name = DB_PG
    else:
        raise BackupError(f"backups of a {connection.vendor} database are not supported")
    size = target.stat().st_size
    progress(f"database snapshot: {size / 2**20:.1f} MiB in {time.monotonic() - started:.1f} s")
    return name, target


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            hasher.update(block)
    return hasher.hexdigest()


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (f"{MEDIA}/{path.relative_to(root).as_posix()}", path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def _recovery_public_key() -> bytes:
    from corridor.vault.models import Organisation

    key = Organisation.objects.values_list("recovery_public_key", flat=True).first()
    if key is None:
        raise BackupError("this server has no organisation yet (init_org): nothing to back up")
    return bytes(key)


class _Hashing:
    """A writer that hashes what passes through (BLAKE2b-512 for the signature) and counts it."""

    def __init__(self, handle: BinaryIO, progress: Progress) -> None:
        self.handle = handle
        self.hasher = hashlib.blake2b(digest_size=64)
        self.size = 0
        self._progress = progress
        self._reported = 0

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.size += len(data)
        if self.size - self._reported >= 64 * 2**20:
            self._reported = self.size
            self._progress(f"encrypted {self.size / 2**20:.0f} MiB")
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    database_size: int
    media_files: int
    recipients: list[str]


def backup_create(
    out: Path, *, extra_recipients: Sequence[str] = (), progress: Progress = _quiet
) -> BackupResult:
    """Write `out` (age, to the recovery key and `extra_recipients`) and `out`.minisig."""
    from corridor.audit.checkpoints import signing_seed

    out = Path(out)
    if out.exists() or signature_path(out).exists():
        raise BackupError(f"{out} already exists: choose a new file name")
    recipients = [age_recipient(_recovery_public_key()), *extra_recipients]
    try:
        parsed = [pyrage.x25519.Recipient.from_str(text) for text in recipients]
    except Exception as exc:  # pyrage raises its own RecipientError types
        raise BackupError(f"not an age X25519 recipient: {exc}") from exc
    seed = signing_seed()
    created = timezone.now()
    with transaction.atomic():
        audit_record(
            actor_id=None,
            action="backup.create",
            object_type="backup",
            object_id=created.strftime("%Y%m%dT%H%M%SZ"),
        )
    with _staging(Path(out).resolve().parent) as folder:
        db_name, db_path = _snapshot(folder, progress)
        members: list[tuple[str, Path]] = [(db_name, db_path), *_media_files()]
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "vendor": connection.vendor,
            "database": db_name,
            "recovery_recipient": recipients[0],
            "members": {},
        }
        archive = folder / "backup.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            for name, path in members:
                manifest["members"][name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            body = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(created.timestamp())
            tar.addfile(info, io.BytesIO(body))
        progress(f"archive: {len(members)} members, {archive.stat().st_size / 2**20:.1f} MiB")
        partial = out.with_name(out.name + ".partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle, archive.open("rb") as source:
                writer = _Hashing(handle, progress)
                pyrage.encrypt_io(source, writer, parsed)
                handle.flush()
                os.fsync(handle.fileno())
            comment = (
                f"{FORMAT} created={created.strftime('%Y-%m-%dT%H:%M:%SZ')} "
                f"vendor={connection.vendor} size={writer.size} file={out.name}"
            )
            text = minisig.sign_file(seed, partial, comment, writer.hasher.digest())
            signature_path(out).write_text(text, encoding="ascii")
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        database_size = db_path.stat().st_size
    progress(f"backup written: {out} ({writer.size / 2**20:.1f} MiB), signature beside it")
    return BackupResult(out, writer.size, database_size, len(members) - 1, recipients)


@dataclass(frozen=True)
class Structure:
    recipients: int
    payload: int
    trusted_comment: str
    signed_by: bytes


def _age_structure(path: Path) -> tuple[int, int]:
    """(X25519 stanzas, payload bytes) of an age file, or BackupError; nothing decrypted."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(len(AGE_MAGIC)) != AGE_MAGIC:
            raise BackupError("not an age-encrypted Corridor backup (no age header)")
        stanzas = 0
        while True:
            line = handle.readline(4096)
            if not line.endswith(b"\n"):
                raise BackupError("the age header is cut off or malformed")
            if line.startswith(b"--- "):
                break
            if line.startswith(b"-> "):
                stanzas += line.split()[1:2] == [b"X25519"]
            elif len(line) > 65:  # a stanza body line (empty ends a body of 48n bytes)
                raise BackupError("the age header is malformed")
        payload = size - handle.tell()
    body = payload - 16  # the stream nonce, then 64 KiB chunks each with a 16-byte tag
    last = body % AGE_CHUNK
    if body < 16 or (last and last < 16) or (last == 16 and body > AGE_CHUNK):
        raise BackupError("the encrypted payload is truncated (its length ends mid-chunk)")
    if not stanzas:
        raise BackupError("the backup names no X25519 recipient")
    return stanzas, payload


def backup_verify(path: Path, public_keys: list[bytes] | None = None) -> Structure:
    """Check the signature and the age structure of a backup without decrypting it."""
    from corridor.audit.checkpoints import pinned_public_keys

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    sig = signature_path(path)
    if not sig.is_file():
        raise BackupError(f"{sig}: the signature is missing; an unsigned backup is refused")
    keys = public_keys if public_keys is not None else pinned_public_keys()
    if not keys:
        raise BackupError("no signing public key is pinned (CORRIDOR_AUDIT_PUBLIC_KEY)")
    try:
        verified = minisig.verify_file(
            path, sig.read_text(encoding="ascii", errors="replace"), keys
        )
    except minisig.SignatureError as exc:
        raise BackupError(f"{path}: {exc}") from exc
    if not verified.trusted_comment.startswith(FORMAT + " "):
        raise BackupError(f"{path}: the signature is not over a {FORMAT} file")
    stanzas, payload = _age_structure(path)
    return Structure(stanzas, payload, verified.trusted_comment, verified.public_key)


def _target_empty() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables): restore only into an "
            "empty database"
        )
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"the media folder {media} is not empty: restore needs it empty")


def _members_check(tar_path: Path, public_key: bytes, folder: Path) -> dict[str, Any]:
    try:
        with tarfile.open(tar_path, "r:") as tar:
            names = tar.getnames()
            if not names or names[-1] != MANIFEST:
                raise BackupError("the archive inside the backup has no manifest at its end")
            handle = tar.extractfile(MANIFEST)
            assert handle is not None  # noqa: S101 - a regular member
            manifest = json.loads(handle.read())
            if manifest.get("format") != FORMAT:
                raise BackupError(f"the archive is not in format {FORMAT}")
            if manifest.get("recovery_recipient") != age_recipient(public_key):
                raise BackupError("these shares are not of the organisation that made the backup")
            listed = manifest.get("members", {})
            if sorted(listed) != sorted(n for n in names if n != MANIFEST):
                raise BackupError("the archive's members differ from its manifest")
            tar_extract_safely(tar, folder / "tree")
    except (tarfile.TarError, json.JSONDecodeError, OSError) as exc:
        raise BackupError(f"the archive inside the backup is damaged: {exc}") from exc
    for name, meta in listed.items():
        if _sha256(folder / "tree" / name) != meta["sha256"]:
            raise BackupError(f"{name} does not match the hash in the manifest")
    return manifest


def backup_restore(
    path: Path, private_key: bytes, *, progress: Progress = _quiet
) -> dict[str, Any]:
    """Restore a verified backup into the (empty) configured database and media folder."""
    from corridor.vault import crypto

    structure = backup_verify(path)
    progress(f"signature good: {structure.trusted_comment}")
    _target_empty()
    public_key = crypto.public_key_of(private_key)
    identity = pyrage.x25519.Identity.from_str(age_identity(private_key))
    db = connection.settings_dict
    near = (
        Path(db["NAME"]).resolve().parent
        if connection.vendor == "sqlite"
        else Path(settings.VAR_DIR)
    )
    with _staging(near) as folder:
        tar_path = folder / "backup.tar"
        started = time.monotonic()
        try:
            with Path(path).open("rb") as source, tar_path.open("wb") as plain:
                pyrage.decrypt_io(source, plain, [identity])
        except (pyrage.DecryptError, OSError) as exc:
            raise BackupError(f"the backup did not decrypt with this recovery key: {exc}") from exc
        progress(
            f"decrypted {tar_path.stat().st_size / 2**20:.1f} MiB in {time.monotonic() - started:.1f} s"
        )
        manifest = _members_check(tar_path, public_key, folder)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"this backup holds a {manifest['vendor']} database; the target is {connection.vendor}"
            )
        tree = folder / "tree"
        _database_install(tree / manifest["database"], progress)
        media = [name for name in manifest["members"] if name.startswith(MEDIA + "/")]
        root = Path(settings.MEDIA_ROOT)
        for name in media:
            target = root / name[len(MEDIA) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree / name, target)
        progress(f"media files restored: {len(media)}")
    return manifest


def _database_install(snapshot: Path, progress: Progress) -> None:
    started = time.monotonic()
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        connection.close()
        source = sqlite3.connect(str(snapshot))
        target = sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        connection.close()
        _pg_run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(snapshot),
            ]  # fmt: skip
        )
    progress(f"database restored in {time.monotonic() - started:.1f} s")


def signing_key_minisign() -> str:
    """The minisign public key of the pinned signing key, for `minisign -V -P`."""
    from corridor.audit.checkpoints import pinned_public_keys

    keys = pinned_public_keys()
    return minisig.public_key_text(keys[0]) if keys else ""
