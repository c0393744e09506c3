"""Checking a bag as a court would, naming the first thing wrong (decision 0020).

The same checks as the stock tools, plus ours: every payload and tag file against both
manifests (with the `bagit` library), the minisign signature of `tagmanifest-sha256.txt`
against the organisation's evidence key, every custody trail's chain of hashes, and, if the
bag carries one, an earlier export's signature with its RFC 3161 timestamp (decision 0036).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

import bagit
from django.conf import settings

from corridor.core.archives import tar_extract_safely
from corridor.evidence.actions import custody_check
from corridor.vault import signing

SIGNATURE_NAME = "tagmanifest-sha256.txt.minisig"
TIMESTAMP_DIR = "timestamp"  # an earlier export's tag manifest, signature and RFC 3161 token
TIMESTAMP_NAME = SIGNATURE_NAME + ".tsr"


class BagInvalid(Exception):
    """The first thing wrong with the bag."""


def _bag_root(directory: Path) -> Path:
    if (directory / "bagit.txt").exists():
        return directory
    children = [child for child in directory.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "bagit.txt").exists():
        return children[0]
    raise BagInvalid("no bagit.txt: this is not a bag")


def _timestamp_check(root: Path, public_key: bytes, package_id: str, tsa_ca: str) -> str:
    """An earlier export's signature and the RFC 3161 token over it (decision 0036)."""
    from corridor.evidence.timestamps import TimestampInvalid, timestamp_check

    folder = root / TIMESTAMP_DIR
    try:
        manifest = (folder / "tagmanifest-sha256.txt").read_bytes()
        signature = (folder / SIGNATURE_NAME).read_bytes()
        token = (folder / TIMESTAMP_NAME).read_bytes()
    except OSError as exc:
        raise BagInvalid(f"timestamp: {TIMESTAMP_DIR}/ is incomplete ({exc})") from exc
    try:
        trusted = signing.verify_minisign(
            public_key, manifest, signature.decode("ascii", errors="replace")
        )
    except signing.SignatureInvalid as exc:
        raise BagInvalid(f"timestamp: the earlier signature: {exc}") from exc
    if f"package {package_id} " not in trusted:
        raise BagInvalid("timestamp: the earlier signature is of another package")
    if not tsa_ca:
        return f"timestamp: present, over {trusted!r}; the TSA's signature not checked (--tsa-ca)"
    try:
        _index, info = timestamp_check(
            token,
            [signature],
            ca_file=tsa_ca,
            untrusted_file=getattr(settings, "CORRIDOR_TSA_UNTRUSTED_FILE", ""),
        )
    except TimestampInvalid as exc:
        raise BagInvalid(f"timestamp: {exc}") from exc
    return f"timestamp: good, {info.time.isoformat()} (RFC 3161), over {trusted!r}"


def bag_check(root: Path, public_key: bytes, tsa_ca: str = "") -> list[str]:
    """Check the bag directory `root`; returns what was checked, raises BagInvalid. With
    `tsa_ca`, a timestamp the bag carries is checked against it with `openssl ts`."""
    root = _bag_root(root)
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in getattr(exc, "details", [])[:1]) or str(exc)
        raise BagInvalid(f"manifests: {details}") from exc
    except bagit.BagError as exc:
        raise BagInvalid(f"not a valid bag: {exc}") from exc
    if set(bag.algorithms) != {"sha256", "sha512"}:
        raise BagInvalid("manifests: SHA-256 and SHA-512 manifests are both required")
    signature_path = root / SIGNATURE_NAME
    if not signature_path.exists():
        raise BagInvalid(f"signature: {SIGNATURE_NAME} is missing")
    try:
        trusted = signing.verify_minisign(
            public_key,
            (root / "tagmanifest-sha256.txt").read_bytes(),
            signature_path.read_text(encoding="ascii", errors="replace"),
        )
    except signing.SignatureInvalid as exc:
        raise BagInvalid(f"signature: {exc}") from exc
    try:
        description = json.loads((root / "data" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagInvalid("description: data/package.json is missing or not JSON") from exc
    for meta in description.get("files", []):
        try:
            trail = json.loads((root / meta["custody"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BagInvalid(f"custody: the trail of {meta.get('id')} is missing") from exc
        wrong = custody_check(trail)
        if not wrong and any(link.get("item_sha256") != meta.get("sha256") for link in trail):
            wrong = "it names another file"
        if wrong:
            raise BagInvalid(f"custody: the trail of {meta.get('id')}: {wrong}")
    checked = [
        f"manifests: {len(bag.entries)} files match SHA-256 and SHA-512",
        f"signature: good ({trusted})",
        f"custody: {len(description.get('files', []))} trails intact",
    ]
    if (root / TIMESTAMP_DIR).exists():
        checked.append(_timestamp_check(root, public_key, str(description.get("package")), tsa_ca))
    return checked


def path_check(
    path: Path, public_key: bytes, identity: str | None = None, tsa_ca: str = ""
) -> list[str]:
    """Check a bag directory, a tar of one, or (with an age identity) the encrypted file."""
    if path.is_dir():
        return bag_check(path, public_key, tsa_ca)
    with tempfile.TemporaryDirectory(prefix="corridor-verify-") as scratch:
        tar_path = path
        if identity is not None:
            import pyrage

            try:
                key = pyrage.x25519.Identity.from_str(identity.strip())
            except Exception as exc:
                raise BagInvalid("the age identity is not valid") from exc
            tar_path = Path(scratch) / "bag.tar"
            try:
                with open(path, "rb") as source, open(tar_path, "wb") as sink:
                    pyrage.decrypt_io(source, sink, [key])
            except Exception as exc:
                raise BagInvalid(f"age: the file does not decrypt ({exc})") from exc
        try:
            with tarfile.open(tar_path, "r:*") as archive:
                tar_extract_safely(archive, Path(scratch) / "bag")
        except (tarfile.TarError, OSError) as exc:
            raise BagInvalid(f"tar: {exc}") from exc
        result = bag_check(Path(scratch) / "bag", public_key, tsa_ca)
        shutil.rmtree(Path(scratch) / "bag", ignore_errors=True)
        return result
