"""Trusted time for a package's signature: RFC 3161 timestamp responses, checked with the
stock `openssl ts` (decision 0036).

What is timestamped is the signature file of one export, `tagmanifest-sha256.txt.minisig`:
it binds the tag manifest (and so every file of the bag through the manifests), the
organisation's Ed25519 signature and its trusted comment (the package id and date). A TSA's
token over it proves that this signature existed at the TSA's time: it cannot have been made
later, with a key stolen later or a date written later. Each export signs anew (its date and
its own custody link differ), so a token belongs to exactly one export; every export keeps
its tag manifest and signature (`PackageExport`) for this.

The server has no network: a lawyer takes the signature to a TSA outside
(`openssl ts -query -data tagmanifest-sha256.txt.minisig -sha256 -cert -out request.tsq`, then
the TSA's answer) and brings the response back. Verification is `openssl ts -verify` driven
by subprocess: libsodium cannot check the TSA's RSA or ECDSA CMS signature, openssl is on
every server, and a Python ASN.1/CMS stack would be a new dependency to trust. Nothing of the
response is believed before openssl has checked it against the CA the organisation chose
(`CORRIDOR_TSA_CA_FILE`); the time is then read from the same, verified, file.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.evidence.models import Package, PackageExport

MAX_RESPONSE_BYTES = 64 * 1024  # a response with its TSA's chain is a few kilobytes
DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
OPENSSL_SECONDS = 20
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_TIME = re.compile(
    r"^Time stamp: (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$", re.M
)


class TimestampInvalid(Exception):
    """The response is refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class TimestampInfo:
    algorithm: str
    imprint: bytes
    time: datetime


def _openssl(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 (fixed program, arguments are our own paths)
            [settings.CORRIDOR_OPENSSL, "ts", *arguments],
            capture_output=True,
            text=True,
            timeout=OPENSSL_SECONDS,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TimestampInvalid(
            _("The openssl program could not be run to check the timestamp.")
        ) from exc


def _read(path: Path) -> TimestampInfo:
    """What the response says (not yet verified): granted, its hash and imprint, its time."""
    shown = _openssl(["-reply", "-in", str(path), "-text"])
    text = shown.stdout
    if shown.returncode != 0 or "Status info:" not in text:
        raise TimestampInvalid(_("This file is not an RFC 3161 timestamp response (.tsr)."))
    if not re.search(r"^Status: Granted", text, re.M):
        raise TimestampInvalid(_("The timestamp authority refused this request: no time given."))
    algorithm = re.search(r"^Hash Algorithm: (\S+)$", text, re.M)
    dump = re.search(r"^Message data:\n((?:    [0-9a-f]{4} - .*\n)+)", text, re.M)
    when = _TIME.search(text)
    if algorithm is None or dump is None or when is None:
        raise TimestampInvalid(_("This file is not an RFC 3161 timestamp response (.tsr)."))
    name = algorithm.group(1).lower()
    if name not in DIGESTS:
        raise TimestampInvalid(
            _("The timestamp uses the hash %(name)s; only SHA-256, SHA-384 or SHA-512 are taken.")
            % {"name": name}
        )
    try:  # BIO_dump lines: offset, " - ", sixteen bytes in hex (padded), their characters
        imprint = bytes.fromhex(
            "".join(line[11:58].replace("-", " ") for line in dump.group(1).splitlines())
        )
    except ValueError:
        raise TimestampInvalid(
            _("This file is not an RFC 3161 timestamp response (.tsr).")
        ) from None
    month, day, hour, minute, second, year = when.groups()
    moment = datetime(
        int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second),
        tzinfo=UTC,
    )  # fmt: skip
    return TimestampInfo(name, imprint, moment)


def timestamp_check(
    response: bytes, candidates: list[bytes], *, ca_file: str, untrusted_file: str = ""
) -> tuple[int, TimestampInfo]:
    """(index of the candidate the response covers, what it says), once `openssl ts -verify`
    has checked it against `ca_file`. Raises TimestampInvalid with the first thing wrong."""
    if not response or len(response) > MAX_RESPONSE_BYTES:
        raise TimestampInvalid(_("This file is not an RFC 3161 timestamp response (.tsr)."))
    if not ca_file or not Path(ca_file).is_file():
        raise TimestampInvalid(
            _(
                "No timestamp authority is trusted yet: the administrator sets "
                "CORRIDOR_TSA_CA_FILE to the CA certificate of the organisation's TSA."
            )
        )
    with tempfile.TemporaryDirectory(prefix="corridor-tsr-") as scratch:
        answer = Path(scratch) / "response.tsr"
        answer.write_bytes(response)
        info = _read(answer)
        covered = [
            number
            for number, data in enumerate(candidates)
            if hashlib.new(info.algorithm, data).digest() == info.imprint
        ]
        if not covered:
            raise TimestampInvalid(
                _(
                    "This timestamp is over other data: it is not for the signature "
                    "(tagmanifest-sha256.txt.minisig) of any export of this package."
                )
            )
        data = Path(scratch) / "covered"
        data.write_bytes(candidates[covered[0]])
        arguments = ["-verify", "-in", str(answer), "-data", str(data), "-CAfile", ca_file]
        if untrusted_file:
            arguments += ["-untrusted", untrusted_file]
        checked = _openssl(arguments)
        if checked.returncode != 0 or "Verification: OK" not in checked.stdout:
            raise TimestampInvalid(
                _(
                    "The timestamp's signature does not verify against the timestamp "
                    "authority the organisation trusts (CORRIDOR_TSA_CA_FILE)."
                )
            )
    return covered[0], info


QUERY_HINT = "openssl ts -query -data tagmanifest-sha256.txt.minisig -sha256 -cert -out request.tsq"


def package_timestamp_import(*, actor_id: int, package: Package, response: bytes) -> Package:
    """Keep a verified RFC 3161 response for the signature of one of the package's exports,
    with the time it vouches for; anything wrong refuses it and stores nothing."""
    exports = list(
        PackageExport.objects.filter(package=package).exclude(signature="").order_by("-at")
    )
    if not exports:
        raise TimestampInvalid(
            _("This package has not been exported yet: there is no signature to timestamp.")
        )
    number, info = timestamp_check(
        response,
        [export.signature.encode("ascii") for export in exports],
        ca_file=settings.CORRIDOR_TSA_CA_FILE,
        untrusted_file=settings.CORRIDOR_TSA_UNTRUSTED_FILE,
    )
    with transaction.atomic():
        Package.objects.select_for_update(no_key=True).filter(pk=package.pk).exists()
        Package.objects.filter(pk=package.pk).update(
            timestamp_token=response, timestamp_time=info.time, timestamp_export=exports[number]
        )
        audit_record(
            actor_id=actor_id,
            action="evidence_package.timestamp",
            object_type="evidence_package",
            object_id=str(package.pk),
        )
    package.timestamp_token = response
    package.timestamp_time = info.time
    package.timestamp_export = exports[number]
    return package
