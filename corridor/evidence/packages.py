"""What a package holds for its recipient, redacted as consent requires, and the bag it is.

`package_plan` judges every chosen record against the consent for the recipient's use (the
documentation app's `consent_for`): refused records are listed with the reason, anonymised
consent is honoured by redaction (a consistent pseudonym per person, exact places left out,
names and places replaced in free text). The preview shows exactly this plan; the export
writes exactly this plan.

The bag (RFC 8493) is written as a stream: payload files are decrypted chunk by chunk and
hashed on the way (SHA-256 and SHA-512) into a tar stream, then the manifests, the tag
manifests and the minisign signature of `tagmanifest-sha256.txt` follow. Memory stays bounded
by the chunk size whatever the package weighs. A payload file whose hashes differ from those
taken at receipt stops the export.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record, audit_record_many
from corridor.documentation.consent import consent_for
from corridor.documentation.models import (
    RECIPIENT_CONSENT_USE,
    Act,
    Event,
    Person,
    RecipientKind,
    Testimony,
)
from corridor.evidence.actions import custody_append, custody_trail, item_path
from corridor.evidence.models import (
    CustodyAction,
    EvidenceItem,
    Package,
    PackageExport,
    PackageStatus,
)
from corridor.evidence.verify import SIGNATURE_NAME, TIMESTAMP_DIR, TIMESTAMP_NAME
from corridor.vault import signing
from corridor.vault.files import sealed_file_read

PLACE_WITHHELD = "[place withheld]"


class ExportFailed(Exception):
    """The export stopped; nothing that looks like a package was left behind."""


@dataclass
class Refused:
    kind: str
    object_id: uuid.UUID
    label: str
    reason: str


@dataclass
class Plan:
    package: Package
    use: str
    events: list[dict[str, Any]] = field(default_factory=list)
    acts: list[dict[str, Any]] = field(default_factory=list)
    testimonies: list[dict[str, Any]] = field(default_factory=list)
    items: list[tuple[EvidenceItem, dict[str, Any]]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    testimony_ids: list[str] = field(default_factory=list)


class _Redactor:
    """Consistent pseudonyms for the people a package names and may not name."""

    def __init__(self) -> None:
        self.pseudonyms: dict[uuid.UUID, str] = {}
        self.replacements: dict[str, str] = {}

    def pseudonym(self, person: Person) -> str:
        if person.pk not in self.pseudonyms:
            letter = _letters(len(self.pseudonyms))
            self.pseudonyms[person.pk] = _("Person %(letter)s") % {"letter": letter}
            for name in [person.name or "", *(person.other_names or "").split(",")]:
                if name.strip():
                    self.replacements[name.strip()] = self.pseudonyms[person.pk]
        return self.pseudonyms[person.pk]

    def place(self, place: str) -> None:
        if place and place.strip():
            self.replacements[place.strip()] = PLACE_WITHHELD

    def text(self, value: str) -> str:
        for needle in sorted(self.replacements, key=len, reverse=True):
            value = re.sub(re.escape(needle), self.replacements[needle], value, flags=re.I)
        return value


def _letters(number: int) -> str:
    out = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _term(term: Any) -> dict[str, str] | None:
    if term is None:
        return None
    return {"key": term.key, "code": term.code, "label": term.label}


def _named_for(person: Person, use: str) -> bool:
    """A person is named only if one of their testimonies has named consent for the use."""
    for testimony_id in Testimony.objects.filter(person_id=person.pk).values_list("pk", flat=True):
        verdict = consent_for(testimony_id, use)
        if verdict.allowed and not verdict.anonymised:
            return True
    return False


def package_plan(package: Package) -> Plan:
    """The package as it would be exported (the caller has audited the reads)."""
    use = RECIPIENT_CONSENT_USE[RecipientKind(package.recipient_kind)]
    plan = Plan(package=package, use=use)
    redactor = _Redactor()
    named: dict[uuid.UUID, bool] = {}
    reader_language = translation.get_language() or "en"

    def verdict_of(testimony_id: uuid.UUID) -> Any:
        # Refusals are read by the lawyer, in their language, not the recipient's.
        with translation.override(reader_language):
            return consent_for(testimony_id, use)

    with translation.override(package.language):

        def person_label(person: Person) -> str:
            if person.pk not in named:
                named[person.pk] = _named_for(person, use)
            return person.name if named[person.pk] else redactor.pseudonym(person)

        entries = list(package.entries.order_by("kind", "object_id"))
        by_kind: dict[str, list[uuid.UUID]] = {}
        for entry in entries:
            by_kind.setdefault(entry.kind, []).append(entry.object_id)
        events = Event.objects.filter(
            pk__in=by_kind.get("event", []), compartment=package.compartment_id
        )
        acts = Act.objects.filter(pk__in=by_kind.get("act", []), compartment=package.compartment_id)
        testimonies = Testimony.objects.filter(
            pk__in=by_kind.get("testimony", []), compartment=package.compartment_id
        )
        items = EvidenceItem.objects.filter(
            pk__in=by_kind.get("item", []), compartment=package.compartment_id
        )
        # Every person who may be named or pseudonymised is decided before any text is
        # rendered, so a name is replaced everywhere it appears.
        for act in acts:
            person_label(act.victim)
            redactor.place(act.exact_place or "")
        for testimony in testimonies:
            person_label(testimony.person)
        for event in events:
            redactor.place(event.exact_place or "")
        for event in events:
            plan.events.append(
                {
                    "event_record_number": str(event.pk),
                    "event_title": redactor.text(event.title or ""),
                    "initial_date": event.period.split(" – ")[0],
                    "final_date": event.period.split(" – ")[-1],
                    "geographical_term": _term(event.region),
                    "event_description": redactor.text(event.description or ""),
                    "violation_status": _term(event.violation_status),
                }
            )
        for act in acts:
            plan.acts.append(
                {
                    "act_record_number": str(act.pk),
                    "event_record_number": str(act.event_id),
                    "victim_name": person_label(act.victim),
                    "type_of_act": _term(act.act_type),
                    "method_of_violence": [_term(m) for m in act.methods.all()],
                    "initial_date": act.period.split(" – ")[0],
                    "local_geographical_area": _term(act.region),
                    "status_at_end_of_act": _term(act.victim_status),
                    "physical_consequences": redactor.text(act.consequences or ""),
                }
            )
        for testimony in testimonies:
            verdict = verdict_of(testimony.pk)
            if not verdict.allowed:
                plan.refused.append(
                    Refused(
                        "testimony", testimony.pk, person_label(testimony.person), verdict.reason
                    )
                )
                continue
            plan.testimony_ids.append(str(testimony.pk))
            plan.testimonies.append(
                {
                    "source_record_number": str(testimony.pk),
                    "source_name": person_label(testimony.person),
                    "date_of_source_material": testimony.taken_on.isoformat(),
                    "language": testimony.language,
                    "source_text": redactor.text(testimony.text or ""),
                    "redacted": verdict.anonymised,
                }
            )
        for item in items:
            if item.testimony_id is not None:
                verdict = verdict_of(item.testimony_id)
                if not verdict.allowed:
                    plan.refused.append(Refused("item", item.pk, item.title, verdict.reason))
                    continue
                if verdict.anonymised:
                    with translation.override(reader_language):
                        reason = _(
                            "Consent for this use is anonymised only, and a file cannot be "
                            "redacted: it is left out."
                        )
                    plan.refused.append(Refused("item", item.pk, item.title, reason))
                    continue
                plan.testimony_ids.append(str(item.testimony_id))
            name = f"files/{item.pk}{_suffix(item.original_name or '')}"
            plan.items.append(
                (
                    item,
                    {
                        "id": str(item.pk),
                        "title": redactor.text(item.title or ""),
                        "file": f"data/{name}",
                        "media_type": item.media_type,
                        "size": item.size,
                        "sha256": item.sha256,
                        "sha512": item.sha512,
                        "custody": f"data/custody/{item.pk}.json",
                        "source_record_number": str(item.testimony_id or ""),
                    },
                )
            )
    plan.testimony_ids = list(dict.fromkeys(plan.testimony_ids))
    return plan


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _index_text(plan: Plan, created: str, *, stamped: bool = False) -> str:
    with translation.override(plan.package.language):
        lines = [
            _("Evidence package %(id)s") % {"id": plan.package.pk},
            _("For: %(recipient)s") % {"recipient": plan.package.recipient},
            _("Made on: %(date)s") % {"date": created},
            "",
            _("Events"),
        ]
        lines += [f"  - {e['event_title']} ({e['initial_date']})" for e in plan.events] or ["  -"]
        lines += ["", _("Acts")]
        lines += [
            f"  - {a['type_of_act']['label'] if a['type_of_act'] else ''}: {a['victim_name']}"
            f" ({a['initial_date']})"
            for a in plan.acts
        ] or ["  -"]
        lines += ["", _("Testimonies")]
        lines += [
            f"  - {t['source_name']}, {t['date_of_source_material']}"
            + (" " + _("(redacted)") if t["redacted"] else "")
            for t in plan.testimonies
        ] or ["  -"]
        lines += ["", _("Files")]
        lines += [
            f"  - {meta['file']}: {meta['title']} ({meta['size']} B, SHA-256 {meta['sha256']})"
            for _item, meta in plan.items
        ] or ["  -"]
        lines += [
            "",
            _("How to check this package:"),
            "  bagit.py --validate <bag>",
            "  minisign -V -p corridor.pub -m <bag>/tagmanifest-sha256.txt",
            "",
        ]
        if stamped:
            stamped_at = plan.package.timestamp_time
            when = (
                stamped_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if stamped_at else ""
            )
            lines += [
                _("Trusted time (RFC 3161)"),
                _(
                    "The folder %(dir)s holds the tag manifest and the signature of an earlier "
                    "export of this package, and a timestamp authority's response over that "
                    "signature: it proves the organisation had signed this package by %(time)s. "
                    "They are listed in the tag manifests, so this bag's signature covers them."
                )
                % {"dir": f"{TIMESTAMP_DIR}/", "time": when},
                f"  minisign -V -p corridor.pub -m <bag>/{TIMESTAMP_DIR}/tagmanifest-sha256.txt",
                f"  openssl ts -verify -in <bag>/{TIMESTAMP_DIR}/{TIMESTAMP_NAME}"
                f" -data <bag>/{TIMESTAMP_DIR}/{SIGNATURE_NAME} -CAfile tsa-ca.pem",
                "",
            ]
    return "\n".join(lines)


class _TarWriter:
    """A POSIX (pax) tar stream written member by member: each header from `tarfile`, each
    file's chunks straight to the output (no copy through tarfile's 16 KiB buffer)."""

    def __init__(self, out: IO[bytes], root: str) -> None:
        self.out = out
        self.root = root
        self.mtime = int(timezone.now().timestamp())

    def _header(self, name: str, size: int) -> bytes:
        info = tarfile.TarInfo(f"{self.root}/{name}")
        info.size = size
        info.mtime = self.mtime
        info.mode = 0o644
        return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")

    def _pad(self, size: int) -> None:
        if size % tarfile.BLOCKSIZE:
            self.out.write(b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE))

    def add_bytes(self, name: str, data: bytes) -> None:
        self.out.write(self._header(name, len(data)))
        self.out.write(data)
        self._pad(len(data))

    def add_stream(self, name: str, size: int, chunks: Iterator[bytes]) -> None:
        self.out.write(self._header(name, size))
        written = 0
        for chunk in chunks:
            written += len(chunk)
            if written > size:
                raise ExportFailed(_("The stored file is longer than recorded."))
            self.out.write(chunk)
        if written != size:
            raise ExportFailed(_("The stored file is shorter than recorded."))
        self._pad(size)

    def close(self) -> None:
        self.out.write(b"\0" * (2 * tarfile.BLOCKSIZE))


class _DirWriter:
    def __init__(self, root: Path) -> None:
        self.root = root

    def add_bytes(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def add_stream(self, name: str, size: int, chunks: Iterator[bytes]) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)

    def close(self) -> None:
        pass


def _hashed(chunks: Iterator[bytes], digests: list[Any]) -> Iterator[bytes]:
    for chunk in chunks:
        for digest in digests:
            digest.update(chunk)
        yield chunk


def _timestamp_tags(package: Package) -> list[tuple[str, bytes]]:
    """The tag files of an earlier export's RFC 3161 timestamp (decision 0036): its tag
    manifest, its signature and the TSA's response over that signature; none without one."""
    export = package.timestamp_export
    if not package.timestamp_token or export is None or not export.signature:
        return []
    return [
        (f"{TIMESTAMP_DIR}/tagmanifest-sha256.txt", export.tagmanifest.encode("utf-8")),
        (f"{TIMESTAMP_DIR}/{SIGNATURE_NAME}", export.signature.encode("ascii")),
        (f"{TIMESTAMP_DIR}/{TIMESTAMP_NAME}", bytes(package.timestamp_token)),
    ]


def bag_write(writer: Any, plan: Plan, *, actor_id: int) -> dict[str, str]:
    """Write the bag through `writer`; returns its tag manifest and signature (kept with the
    export: what an RFC 3161 timestamp of it covers)."""
    package = plan.package
    created = timezone.now().replace(microsecond=0).isoformat()
    manifests: dict[str, list[tuple[str, str]]] = {"sha256": [], "sha512": []}
    octets = 0
    count = 0

    def payload(name: str, data: bytes) -> None:
        nonlocal octets, count
        writer.add_bytes(f"data/{name}", data)
        manifests["sha256"].append((hashlib.sha256(data).hexdigest(), f"data/{name}"))
        manifests["sha512"].append((hashlib.sha512(data).hexdigest(), f"data/{name}"))
        octets += len(data)
        count += 1

    for item, meta in plan.items:
        sha256, sha512 = hashlib.sha256(), hashlib.sha512()
        chunks = _hashed(sealed_file_read(item, item_path(item)), [sha256, sha512])
        name = meta["file"][len("data/") :]
        writer.add_stream(meta["file"], item.size, chunks)
        if sha256.hexdigest() != item.sha256 or sha512.hexdigest() != item.sha512:
            raise ExportFailed(
                _("The stored file %(id)s no longer matches its hashes at receipt.")
                % {"id": item.pk}
            )
        manifests["sha256"].append((item.sha256, f"data/{name}"))
        manifests["sha512"].append((item.sha512, f"data/{name}"))
        octets += item.size
        count += 1
        custody_append(
            actor_id=actor_id,
            item=item,
            action=CustodyAction.EXPORTED,
            details={"package": str(package.pk), "recipient": package.recipient},
        )
        trail = custody_trail(item)
        payload(
            f"custody/{item.pk}.json",
            json.dumps(trail, ensure_ascii=False, indent=2).encode("utf-8"),
        )
    description = {
        "format": "corridor-evidence-package/1 (HURIDOCS Events Standard Formats field names)",
        "package": str(package.pk),
        "recipient": package.recipient,
        "recipient_kind": package.recipient_kind,
        "consent_use": plan.use,
        "language": package.language,
        "created": created,
        "referral": str(package.referral_id or ""),
        "events": plan.events,
        "acts": plan.acts,
        "sources": plan.testimonies,
        "files": [meta for _item, meta in plan.items],
        "signing_key_id": signing.key_id_hex(signing.evidence_public_key()),
    }
    payload("package.json", json.dumps(description, ensure_ascii=False, indent=2).encode("utf-8"))
    stamped = _timestamp_tags(package)
    payload(
        f"index-{package.language}.txt",
        _index_text(plan, created, stamped=bool(stamped)).encode("utf-8"),
    )
    tags: list[tuple[str, bytes]] = [
        ("bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        (
            "bag-info.txt",
            (
                f"Bag-Software-Agent: Corridor\nBagging-Date: {created[:10]}\n"
                f"External-Identifier: {package.pk}\nPayload-Oxum: {octets}.{count}\n"
            ).encode(),
        ),
    ]
    for algorithm in ("sha256", "sha512"):
        body = "".join(f"{digest}  {path}\n" for digest, path in manifests[algorithm])
        tags.append((f"manifest-{algorithm}.txt", body.encode("utf-8")))
    tags += stamped
    for name, data in tags:
        writer.add_bytes(name, data)
    tag_manifests: dict[str, bytes] = {}
    for algorithm in ("sha256", "sha512"):
        tag_body = "".join(
            f"{hashlib.new(algorithm, data).hexdigest()}  {name}\n" for name, data in tags
        ).encode("utf-8")
        tag_manifests[algorithm] = tag_body
        writer.add_bytes(f"tagmanifest-{algorithm}.txt", tag_body)
    trusted = f"corridor evidence package {package.pk} created {created}"
    signature = signing.sign_minisign(
        signing.evidence_seed(), signing.file_prehash(tag_manifests["sha256"]), trusted
    )
    writer.add_bytes(SIGNATURE_NAME, signature.encode("ascii"))
    writer.close()
    return {"tagmanifest": tag_manifests["sha256"].decode("utf-8"), "signature": signature}


def _recorded(plan: Plan, signed: dict[str, str], *, actor_id: int, encrypted: bool) -> None:
    with transaction.atomic():
        PackageExport.objects.create(
            package=plan.package,
            by_id=actor_id,
            encrypted=encrypted,
            testimony_ids=plan.testimony_ids,
            item_ids=[str(item.pk) for item, _meta in plan.items],
            tagmanifest=signed["tagmanifest"],
            signature=signed["signature"],
        )
        Package.objects.filter(pk=plan.package.pk).update(status=PackageStatus.EXPORTED)
        audit_record(
            actor_id=actor_id,
            action="evidence_package.export" if encrypted else "evidence_package.export_plain",
            object_type="evidence_package",
            object_id=str(plan.package.pk),
        )


def package_export_age(
    *, actor_id: int, package: Package, recipients: list[str], out: Path
) -> Plan:
    """The bag as one tar, encrypted with age to `recipients` (age1... keys), at `out`.

    Written to a temporary name beside `out` and renamed at the end; on any failure the
    temporary file is removed, so nothing that looks like a package is left behind.
    """
    import pyrage

    try:
        keys = [pyrage.x25519.Recipient.from_str(r.strip()) for r in recipients]
    except Exception as exc:
        raise ExportFailed(_("This is not an age recipient (age1...).")) from exc
    if not keys:
        raise ExportFailed(_("Give at least one age recipient."))
    if out.exists():
        raise ExportFailed(_("%(path)s already exists.") % {"path": out})
    plan = package_plan(package)
    _plan_reads_audit(plan, actor_id)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.part")
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def encrypt() -> None:
        # age runs in its own thread, touching no database and no key of the vault: the
        # tar is written into the pipe by this thread, which holds the request's keyring,
        # read ledger and database connection.
        try:
            with open(read_fd, "rb", buffering=1 << 20) as source, open(temporary, "wb") as sink:
                pyrage.encrypt_io(source, sink, keys)
                sink.flush()
                os.fsync(sink.fileno())
        except BaseException as exc:  # reported below
            failure.append(exc)

    thread = threading.Thread(target=encrypt, daemon=True)
    signed: dict[str, str] = {}
    try:
        thread.start()
        try:
            with transaction.atomic(), open(write_fd, "wb", buffering=1 << 20) as pipe:
                signed = bag_write(
                    _TarWriter(pipe, f"package-{package.pk}"), plan, actor_id=actor_id
                )
        finally:
            thread.join()
        if failure:
            raise ExportFailed(str(failure[0])) from failure[0]
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    _recorded(plan, signed, actor_id=actor_id, encrypted=True)
    return plan


def package_export_plain(*, actor_id: int, package: Package, out: Path) -> Plan:
    """The bare bag directory at `out`: a deliberate choice, audited as such."""
    import shutil

    if out.exists():
        raise ExportFailed(_("%(path)s already exists.") % {"path": out})
    plan = package_plan(package)
    _plan_reads_audit(plan, actor_id)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.part")
    temporary.mkdir(mode=0o700)
    try:
        with transaction.atomic():
            signed = bag_write(_DirWriter(temporary), plan, actor_id=actor_id)
        os.replace(temporary, out)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
    _recorded(plan, signed, actor_id=actor_id, encrypted=False)
    return plan


def _plan_reads_audit(plan: Plan, actor_id: int) -> None:
    """The records a plan opened, audited in one go (the read check of decision 0017)."""
    package = plan.package
    ids: dict[str, list[str]] = {"evidence_package": [str(package.pk)]}
    for entry in package.entries.all():
        object_type = {
            "event": "doc_event",
            "act": "doc_act",
            "testimony": "doc_testimony",
            "item": "evidence_item",
        }[entry.kind]
        ids.setdefault(object_type, []).append(str(entry.object_id))
    persons = list(
        Act.objects.filter(pk__in=ids.get("doc_act", [])).values_list("victim_id", flat=True)
    )
    persons += list(
        Testimony.objects.filter(pk__in=ids.get("doc_testimony", [])).values_list(
            "person_id", flat=True
        )
    )
    if persons:
        ids["doc_person"] = [str(p) for p in dict.fromkeys(persons)]
    with transaction.atomic():
        for object_type, object_ids in ids.items():
            audit_record_many(
                actor_id=actor_id,
                action=f"{object_type}.read",
                object_type=object_type,
                object_ids=object_ids,
            )


def plan_reads_audit(plan: Plan, actor_id: int) -> None:
    _plan_reads_audit(plan, actor_id)


def package_export_plain_tar(*, actor_id: int, package: Package, out: IO[bytes]) -> Plan:
    """The bare bag as one tar written into `out`, unencrypted: the screen's deliberate
    choice, audited as `evidence_package.export_plain` like `package_export_plain`.

    `out` is the caller's sealed spool (corridor.evidence.spool), never a plaintext file;
    on any failure the custody links roll back, nothing is recorded and the caller
    discards the spool, so nothing that looks like a package is left behind.
    """
    plan = package_plan(package)
    _plan_reads_audit(plan, actor_id)
    with transaction.atomic():
        signed = bag_write(_TarWriter(out, f"package-{package.pk}"), plan, actor_id=actor_id)
    _recorded(plan, signed, actor_id=actor_id, encrypted=False)
    return plan
