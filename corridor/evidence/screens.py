"""The lawyer's evidence write screens (decision 0035): receive a file, make a package for a
recipient, choose what it holds, and export it, encrypted with age by default.

Thin, on top of the actions: `item_receive`, `package_create`, `package_choose`,
`package_export_age` and `package_export_plain_tar` do the work, write the custody links and
the audit entries. Writes need `evidence.edit` (lawyers) and membership of the record's
compartment (404 otherwise); a duress session's POST never reaches them (the staff gate).
Every record opened to build a page is audited in the request.

Nothing in clear touches the disk on the way: an upload is spooled sealed under a key held in
memory (corridor.evidence.spool), the age file is ciphertext, and a plain bag is built in a
sealed spool and streamed from there.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.documentation.access import reads_audit
from corridor.documentation.models import Act, Event, Testimony
from corridor.evidence.actions import item_receive, package_choose, package_create
from corridor.evidence.forms import (
    PLAIN_WORD,
    AgeExportForm,
    ContentsForm,
    PackageForm,
    PlainExportForm,
    ReceiveForm,
)
from corridor.evidence.models import EvidenceItem, Package
from corridor.evidence.packages import (
    ExportFailed,
    package_export_age,
    package_export_plain_tar,
    package_plan,
    plan_reads_audit,
)
from corridor.evidence.spool import Spool, SpooledUpload, SpoolUploadHandler
from corridor.vault import signing
from corridor.vault.files import SealedFileDamaged
from corridor.vault.models import Compartment

GET_POST = require_http_methods(["GET", "POST"])
POST = require_http_methods(["POST"])
MB = 1 << 20


def _compartments(request: HttpRequest) -> list[tuple[int, str]]:
    member_of = request_compartment_ids(request)
    return [(c.pk, c.name) for c in Compartment.objects.filter(pk__in=member_of).order_by("name")]


def _compartment(request: HttpRequest, compartment_id: int) -> Compartment:
    if compartment_id not in request_compartment_ids(request):
        raise ValidationError(_("You are not a member of this compartment."))
    return Compartment.objects.get(pk=compartment_id)


def _audited(request: HttpRequest, object_type: str, ids: list[str]) -> None:
    if ids:
        with transaction.atomic():
            audit_record_many(
                actor_id=staff_user(request).pk,
                action=f"{object_type}.read",
                object_type=object_type,
                object_ids=ids,
            )


def _package(request: HttpRequest, package_id: uuid.UUID) -> Package:
    """The package, if the user is a member of its compartment (404 otherwise)."""
    package = Package.objects.filter(
        pk=package_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if package is None:
        raise Http404
    return package


# --- receiving a file ---------------------------------------------------------------------


def _upload_limit() -> int:
    return int(settings.CORRIDOR_EVIDENCE_UPLOAD_MAX)


def _receive_form(request: HttpRequest, data: Any = None, files: Any = None) -> ReceiveForm:
    member_of = request_compartment_ids(request)
    events = list(Event.objects.filter(compartment_id__in=member_of))
    testimonies = list(
        Testimony.objects.filter(compartment_id__in=member_of).select_related("person")
    )
    reads_audit(request, [*events, *testimonies, *[t.person for t in testimonies]])
    return ReceiveForm(
        data,
        files,
        compartments=_compartments(request),
        events=[(e, f"{e.title} ({e.period})") for e in events],
        testimonies=[(t, f"{t.person.name}, {t.taken_on:%Y-%m-%d}") for t in testimonies],
        limit_mb=_upload_limit() // MB,
    )


@csrf_exempt  # the CSRF check runs inside, once the spooling upload handler is in place
@GET_POST
@require_permission("evidence.edit")
def item_new(request: HttpRequest) -> HttpResponse:
    """Receive a file: kept byte for byte, hashed on the way in, its receipt the first link
    of its custody trail. The upload never lands on disk in clear (Django's default handler
    would write one over 2.5 MB to a plaintext temporary file)."""
    handler = SpoolUploadHandler(request, _upload_limit())
    if request.method == "POST":
        request.upload_handlers = [handler]
    try:
        return csrf_protect(_item_new)(request, handler)
    finally:
        handler.discard()


def _item_new(request: HttpRequest, handler: SpoolUploadHandler) -> HttpResponse:
    if request.method != "POST":
        return render(request, "evidence/form.html", _receive_context(_receive_form(request)))
    form = _receive_form(request, request.POST, request.FILES)
    valid = form.is_valid()
    if handler.too_large:
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than %(limit)d MB: nothing was received.")
            % {"limit": _upload_limit() // MB},
        )
        valid = False
    if valid:
        data = form.cleaned_data
        upload = data["file"]
        pieces = upload.spool.chunks() if isinstance(upload, SpooledUpload) else upload.chunks()
        try:
            item = item_receive(
                actor_id=staff_user(request).pk,
                compartment=_compartment(request, data["compartment"]),
                pieces=pieces,
                title=data["title"],
                original_name=upload.name or "",
                media_type=upload.content_type or "",
                received_from=data["received_from"],
                received_how=data["received_how"],
                received_on=data["received_on"].isoformat() if data["received_on"] else "",
                note=data["note"],
                testimony=form.record("testimony"),
                event=form.record("event"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Received. Its SHA-256 and SHA-512 are below."))
            return redirect("evidence:item", item_id=item.pk)
    return render(request, "evidence/form.html", _receive_context(form))


def _receive_context(form: ReceiveForm) -> dict[str, Any]:
    return {"form": form, "title": _("Receive an evidence file"), "multipart": True}


# --- packages -----------------------------------------------------------------------------


@GET_POST
@require_permission("evidence.edit")
def package_new(request: HttpRequest) -> HttpResponse:
    form = PackageForm(
        request.POST if request.method == "POST" else None, compartments=_compartments(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            package = package_create(
                actor_id=staff_user(request).pk,
                compartment=_compartment(request, data["compartment"]),
                recipient=data["recipient"],
                recipient_kind=data["recipient_kind"],
                language=data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Package made. Now choose what it holds."))
            return redirect("evidence:package_contents", package_id=package.pk)
    return render(request, "evidence/form.html", {"form": form, "title": _("New package")})


def _contents_records(request: HttpRequest, package: Package) -> dict[str, list[tuple[Any, str]]]:
    """What the package may hold: the records of its compartment, each read audited."""
    where = {"compartment_id": package.compartment_id}
    events = list(Event.objects.filter(**where))
    acts = list(Act.objects.filter(**where).select_related("act_type", "victim"))
    testimonies = list(Testimony.objects.filter(**where).select_related("person"))
    items = list(EvidenceItem.objects.filter(**where))
    reads_audit(
        request,
        [*events, *acts, *[a.victim for a in acts], *testimonies, *[t.person for t in testimonies]],
    )
    _audited(request, "evidence_item", [str(i.pk) for i in items])
    return {
        "event": [(e, f"{e.title} ({e.period})") for e in events],
        "act": [(a, f"{a.act_type}: {a.victim.name} ({a.period})") for a in acts],
        "testimony": [(t, f"{t.person.name}, {t.taken_on:%Y-%m-%d}") for t in testimonies],
        "item": [(i, f"{i.title} ({i.original_name}, {i.size} B)") for i in items],
    }


@GET_POST
@require_permission("evidence.edit")
def package_contents(request: HttpRequest, package_id: uuid.UUID) -> HttpResponse:
    """Choose the events, acts, testimonies and files; consent is judged on the preview."""
    package = _package(request, package_id)
    _audited(request, "evidence_package", [str(package.pk)])
    records = _contents_records(request, package)
    initial: dict[str, list[str]] = {}
    for kind, object_id in package.entries.values_list("kind", "object_id"):
        initial.setdefault(kind, []).append(str(object_id))
    form = ContentsForm(
        request.POST if request.method == "POST" else None, records=records, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            package_choose(actor_id=staff_user(request).pk, package=package, chosen=form.chosen())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved. This is what the recipient will get."))
            return redirect("evidence:package", package_id=package.pk)
    title = _("What the package for %(recipient)s holds") % {"recipient": package.recipient}
    return render(request, "evidence/form.html", {"form": form, "title": title, "package": package})


def _timestamp_panel(request: HttpRequest, package: Package) -> dict[str, Any]:
    from corridor.evidence.views import _timestamp_panel as panel  # trusted time (0036)

    return panel(request, package)


def package_page(
    request: HttpRequest,
    package: Package,
    *,
    age_form: AgeExportForm | None = None,
    plain_form: PlainExportForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    """The package: the redacted preview, the refusals, and (for lawyers) the export."""
    plan = package_plan(package)
    plan_reads_audit(plan, staff_user(request).pk)
    return render(
        request,
        "evidence/package.html",
        {
            "package": package,
            "plan": plan,
            "may_edit": staff_user(request).may("evidence.edit"),
            "age_form": age_form or AgeExportForm(),
            "plain_form": plain_form or PlainExportForm(),
            "plain_word": PLAIN_WORD,
            "public_key": signing.public_key_minisign(signing.evidence_public_key()),
            "exports": list(package.exports.order_by("at")),
            "errors": errors or [],
            "timestamp": _timestamp_panel(request, package),
        },
    )


def _exports_dir() -> Path:
    path = Path(settings.CORRIDOR_EVIDENCE_DIR) / ".exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _failed(exc: Exception) -> str:
    if isinstance(exc, SealedFileDamaged):
        reason = _("a stored file is damaged (%(detail)s)") % {"detail": exc}
    else:
        reason = str(exc)
    return _("The export failed and nothing was exported: %(reason)s") % {"reason": reason}


@POST
@require_permission("evidence.edit")
def package_export(request: HttpRequest, package_id: uuid.UUID) -> HttpResponse:
    """The package as one age-encrypted tar, for the recipient's keys: the file
    `evidence_export --age-recipient` writes, made by the same code, then sent."""
    package = _package(request, package_id)
    form = AgeExportForm(request.POST)
    if not form.is_valid():
        return package_page(request, package, age_form=form)
    out = _exports_dir() / f"{uuid.uuid4().hex}.tar.age"
    try:
        package_export_age(
            actor_id=staff_user(request).pk,
            package=package,
            recipients=form.cleaned_data["recipients"],
            out=out,
        )
    except (ExportFailed, SealedFileDamaged) as exc:
        return package_page(request, package, errors=[_failed(exc)])
    handle = open(out, "rb")  # noqa: SIM115 - closed by the response
    out.unlink()  # the open handle keeps it readable; no name is left behind
    return FileResponse(  # type: ignore[return-value]  # a download, streamed
        handle,
        as_attachment=True,
        filename=f"package-{package.pk}.tar.age",
        content_type="application/octet-stream",
    )


@POST
@require_permission("evidence.edit")
def package_export_plain(request: HttpRequest, package_id: uuid.UUID) -> HttpResponse:
    """The bare bag in a tar, unencrypted: only once the lawyer typed the word, and audited
    as `evidence_package.export_plain`."""
    package = _package(request, package_id)
    form = PlainExportForm(request.POST)
    if not form.is_valid():
        return package_page(request, package, plain_form=form)
    spool = Spool()
    try:
        package_export_plain_tar(
            actor_id=staff_user(request).pk, package=package, out=cast(IO[bytes], spool)
        )
    except (ExportFailed, SealedFileDamaged) as exc:
        spool.discard()
        return package_page(request, package, errors=[_failed(exc)])
    except BaseException:
        spool.discard()
        raise
    size = spool.size
    response = StreamingHttpResponse(spool.reading(), content_type="application/x-tar")
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = f'attachment; filename="package-{package.pk}.tar"'
    return response  # type: ignore[return-value]
