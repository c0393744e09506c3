"""Documentation screens. Thin: records through `access` (role, membership, audited reads),
writes through `actions` and `consent`; a refused input is shown again with its message and
nothing is written.

Lawyers own this work. Coordinators see the operational counts page only; other roles see
nothing (decision 0019).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.accounts.roles import Role, role_may
from corridor.cases.access import case_for_user
from corridor.cases.models import Case
from corridor.core.posted import form_errors
from corridor.documentation import actions, consent
from corridor.documentation.access import (
    documentation_member_of,
    reads_audit,
    record_for_user,
    visible,
)
from corridor.documentation.forms import (
    ActForm,
    AnswerForm,
    ChainForm,
    ConsentForm,
    EventForm,
    InvolvementForm,
    PersonForm,
    PersonLinkForm,
    ReferralForm,
    ReferralUpdateForm,
    SourceForm,
    TermForm,
    TestimonyForm,
    WithdrawForm,
)
from corridor.documentation.models import (
    Act,
    ConsentUse,
    Event,
    Person,
    PersonKind,
    PersonRole,
    Referral,
    ReferralStatus,
    Term,
    Testimony,
    Vocabulary,
)
from corridor.vault.models import Compartment, Membership

GET = require_http_methods(["GET"])
POST = require_http_methods(["POST"])
GET_POST = require_http_methods(["GET", "POST"])
SMALL_CELL = 3  # counts below this are shown as "fewer than 3" on the statistics page


# --- helpers -----------------------------------------------------------------------------


def _compartment_choices(request: HttpRequest) -> list[tuple[int, str]]:
    """The user's compartments, each saying which other roles also hold its keys: a
    documentation compartment should be one only lawyers are members of (decision 0019)."""
    member_of = documentation_member_of(request, "documentation.edit")
    roles: dict[int, set[str]] = defaultdict(set)
    for compartment_id, role in Membership.objects.filter(
        compartment_id__in=member_of, user__is_active=True
    ).values_list("compartment_id", "user__role"):
        if not role_may(role, "documentation.view") and role != "admin":
            roles[compartment_id].add(str(Role(role).label))
    choices = []
    for compartment in Compartment.objects.filter(pk__in=member_of).order_by("name"):
        others = sorted(roles.get(compartment.pk, set()))
        label = compartment.name
        if others:
            label += " — " + _("also open to: %(roles)s") % {"roles": ", ".join(others)}
        choices.append((compartment.pk, label))
    return sorted(choices, key=lambda choice: "—" in choice[1])


def _owner_choices(compartment_ids: Iterable[int]) -> list[tuple[int, str]]:
    """Active members of these compartments whose role may edit documentation."""
    found = (
        Membership.objects.filter(compartment_id__in=list(compartment_ids), user__is_active=True)
        .values_list("user_id", "user__username", "user__role")
        .distinct()
    )
    return sorted(
        {(uid, name) for uid, name, role in found if role_may(role, "documentation.edit")},
        key=lambda choice: choice[1],
    )


def _saved(request: HttpRequest, where: str, **kwargs: Any) -> HttpResponse:
    messages.success(request, _("Saved."))
    return redirect(where, **kwargs)


def _posted(request: HttpRequest, form: Form, write: Callable[[dict[str, Any]], object]) -> bool:
    """Write the posted form through its action; say how it went (True if written)."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, _("Saved."))
    return True


def _form_write(form: Form, write: Callable[[dict[str, Any]], object]) -> object | None:
    """For full-page forms: the action's result, or None with its errors on the form."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _compartment(request: HttpRequest, compartment_id: int) -> Compartment:
    if compartment_id not in documentation_member_of(request, "documentation.edit"):
        raise ValidationError(_("You are not a member of this compartment."))
    return Compartment.objects.get(pk=compartment_id)


def _dates(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: data[key] for key in ("start_precision", "start_date", "end_precision", "end_date")
    }


def _of_compartment(request: HttpRequest, model: Any, compartment_id: int) -> list[Any]:
    return list(visible(request, model).filter(compartment_id=compartment_id))


# --- home, statistics, vocabularies -------------------------------------------------------


@GET
@require_permission("documentation.view")
def home(request: HttpRequest) -> HttpResponse:
    """The lawyer's desk: events newest first, and the referrals whose answer is overdue."""
    user = staff_user(request)
    events = list(
        visible(request, Event)
        .select_related("region")
        .annotate(act_count=Count("acts"))
        .order_by("-start_month", "-created_at")
    )
    overdue = list(visible(request, Referral).filter(overdue=True).order_by("answer_due_on"))
    reads_audit(request, [*events, *overdue])
    return render(
        request,
        "documentation/home.html",
        {
            "events": events,
            "overdue": overdue,
            "mine_overdue": sum(r.owner_id == user.pk for r in overdue),
            "may_edit": user.may("documentation.edit"),
        },
    )


def _cell(count: int) -> str:
    return str(count) if count >= SMALL_CELL else _("fewer than %(n)d") % {"n": SMALL_CELL}


@GET
@require_permission("documentation.stats")
def stats(request: HttpRequest) -> HttpResponse:
    """Counts of documented acts by type and month, and of referrals by status.

    Operational columns only, across the organisation: nothing is decrypted, so no record
    is read; cells under SMALL_CELL are not shown exactly (decision 0019).
    """
    rows = Act.objects.values_list("act_type_id", "start_month").order_by()
    by_type: dict[int, Counter[str]] = defaultdict(Counter)
    months: set[str] = set()
    for act_type_id, month in rows:
        key = month.strftime("%Y-%m") if month else "—"
        by_type[act_type_id][key] += 1
        months.add(key)
    columns = sorted(months)
    terms = {t.pk: t for t in Term.objects.filter(pk__in=list(by_type))}
    table = [
        (
            terms[type_id].label,
            [_cell(counter[m]) if counter[m] else "" for m in columns],
            _cell(sum(counter.values())),
        )
        for type_id, counter in sorted(by_type.items(), key=lambda item: terms[item[0]].position)
    ]
    statuses = Counter(Referral.objects.values_list("status", flat=True))
    referrals = [
        (ReferralStatus(status).label, _cell(count)) for status, count in sorted(statuses.items())
    ]
    return render(
        request,
        "documentation/stats.html",
        {
            "columns": columns,
            "table": table,
            "referrals": referrals,
            "overdue": _cell(Referral.objects.filter(overdue=True).count()),
            "small": SMALL_CELL,
        },
    )


@GET_POST
@require_permission("documentation.edit")
def terms(request: HttpRequest) -> HttpResponse:
    """The vocabularies, with their HURIDOCS codes; a lawyer adds the organisation's terms."""
    form = TermForm(request.POST or None)
    if request.method == "POST":
        actor_id = staff_user(request).pk
        if _form_write(form, lambda data: actions.term_create(actor_id=actor_id, **data)):
            return _saved(request, "documentation:terms")
    grouped = defaultdict(list)
    for term in Term.objects.order_by("vocabulary", "position", "label_en"):
        grouped[term.vocabulary].append(term)
    vocabularies = [(Vocabulary(v).label, grouped[v]) for v in Vocabulary.values]
    return render(request, "documentation/terms.html", {"form": form, "vocabularies": vocabularies})


# --- events ------------------------------------------------------------------------------


@GET_POST
@require_permission("documentation.edit")
def event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, compartments=_compartment_choices(request))
    if request.method == "POST":
        actor_id = staff_user(request).pk

        def write(data: dict[str, Any]) -> Event:
            return actions.event_create(
                actor_id=actor_id,
                compartment=_compartment(request, data["compartment"]),
                title=data["title"],
                description=data["description"],
                exact_place=data["exact_place"],
                region=data["region"],
                violation_status=data["violation_status"],
                confidentiality=data["confidentiality"],
                **_dates(data),
            )

        event = _form_write(form, write)
        if isinstance(event, Event):
            return _saved(request, "documentation:event", event_id=event.pk)
    return render(request, "documentation/form.html", {"form": form, "title": _("New event")})


@GET_POST
@require_permission("documentation.edit")
def event_edit(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = record_for_user(request, Event, event_id, permission="documentation.edit")
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST":
        actor_id = staff_user(request).pk
        written = _form_write(
            form,
            lambda data: actions.event_update(
                actor_id=actor_id,
                event=event,
                title=data["title"],
                description=data["description"],
                exact_place=data["exact_place"],
                region=data["region"],
                violation_status=data["violation_status"],
                confidentiality=data["confidentiality"],
                **_dates(data),
            ),
        )
        if written is not None:
            return _saved(request, "documentation:event", event_id=event.pk)
    return render(
        request, "documentation/form.html", {"form": form, "title": event.title, "event": event}
    )


def _testimony_labels(testimonies: Iterable[Testimony]) -> list[tuple[Testimony, str]]:
    return [(t, f"{t.person.name}, {t.taken_on:%Y-%m-%d} ({t.language})") for t in testimonies]


@GET
@require_permission("documentation.view")
def event_detail(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    """An event with its acts (victims, perpetrators), sources, chains and referrals."""
    user = staff_user(request)
    event = record_for_user(request, Event, event_id)
    acts = list(
        event.acts.select_related("act_type", "victim_status", "region", "victim")
        .prefetch_related("methods", "involvements__perpetrator", "involvements__degree")
        .order_by("start_month", "created_at")
    )
    involvements = [i for act in acts for i in act.involvements.all()]
    sources = list(
        event.sources.select_related(
            "connection", "reliability", "testimony__person", "source", "act__act_type"
        )
    )
    chains = list(event.chains_out.select_related("to_event", "chain_type")) + list(
        event.chains_in.select_related("from_event", "chain_type")
    )
    referrals = list(event.referrals.all())
    may_edit = user.may("documentation.edit")
    persons = testimonies = others = []
    if may_edit:
        persons = _of_compartment(request, Person, event.compartment_id)
        testimonies = list(
            visible(request, Testimony)
            .filter(compartment_id=event.compartment_id)
            .select_related("person")
        )
        others = [
            e for e in _of_compartment(request, Event, event.compartment_id) if e.pk != event.pk
        ]
    shown_persons = {a.victim for a in acts} | {i.perpetrator for i in involvements}
    shown_persons |= {s.source for s in sources if s.source} | {
        s.testimony.person for s in sources if s.testimony
    }
    shown_events = [c.to_event if c.from_event_id == event.pk else c.from_event for c in chains]
    reads_audit(
        request,
        [
            *acts,
            *involvements,
            *sources,
            *chains,
            *referrals,
            *shown_persons,
            *persons,
            *[s.testimony for s in sources if s.testimony],
            *testimonies,
            *shown_events,
            *others,
        ],
    )
    context: dict[str, Any] = {
        "event": event,
        "acts": acts,
        "sources": sources,
        "chains": [
            (
                c,
                c.to_event if c.from_event_id == event.pk else c.from_event,
                c.from_event_id == event.pk,
            )
            for c in chains
        ],
        "referrals": referrals,
        "may_edit": may_edit,
    }
    if may_edit:
        context["source_form"] = SourceForm(
            testimonies=_testimony_labels(testimonies),
            persons=persons,
            acts=[(a, f"{a.act_type}: {a.victim.name}") for a in acts],
        )
        context["chain_form"] = ChainForm(events=others)
    return render(request, "documentation/event.html", context)


@POST
@require_permission("documentation.edit")
def source_new(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = record_for_user(request, Event, event_id, permission="documentation.edit")
    testimonies = list(
        visible(request, Testimony)
        .filter(compartment_id=event.compartment_id)
        .select_related("person")
    )
    persons = _of_compartment(request, Person, event.compartment_id)
    acts = list(event.acts.select_related("act_type", "victim"))
    reads_audit(request, [*testimonies, *persons, *acts])
    form = SourceForm(
        request.POST,
        testimonies=[(t, "") for t in testimonies],
        persons=persons,
        acts=[(a, "") for a in acts],
    )
    actor_id = staff_user(request).pk
    _posted(
        request,
        form,
        lambda data: actions.source_add(
            actor_id=actor_id,
            event=event,
            connection=data["connection"],
            act=form.record("act"),
            testimony=form.record("testimony"),
            source=form.record("source"),
            document=data["document"],
            reliability=data["reliability"],
            remarks=data["remarks"],
        ),
    )
    return redirect("documentation:event", event_id=event.pk)


@POST
@require_permission("documentation.edit")
def chain_new(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = record_for_user(request, Event, event_id, permission="documentation.edit")
    others = _of_compartment(request, Event, event.compartment_id)
    reads_audit(request, others)
    form = ChainForm(request.POST, events=others)
    actor_id = staff_user(request).pk
    _posted(
        request,
        form,
        lambda data: actions.chain_add(
            actor_id=actor_id,
            from_event=event,
            to_event=form.record("to_event"),
            chain_type=data["chain_type"],
            remarks=data["remarks"],
        ),
    )
    return redirect("documentation:event", event_id=event.pk)


# --- acts --------------------------------------------------------------------------------


def _victims(request: HttpRequest, compartment_id: int) -> list[Person]:
    persons = [
        p for p in _of_compartment(request, Person, compartment_id) if p.kind == PersonKind.PERSON
    ]
    reads_audit(request, persons)
    return persons


def _act_values(form: ActForm, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "victim": form.record("victim"),
        "act_type": data["act_type"],
        "methods": list(data["methods"]),
        "region": data["region"],
        "exact_place": data["exact_place"],
        "victim_status": data["victim_status"],
        "stated_reason": data["stated_reason"],
        "consequences": data["consequences"],
        **_dates(data),
    }


@GET_POST
@require_permission("documentation.edit")
def act_new(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = record_for_user(request, Event, event_id, permission="documentation.edit")
    form = ActForm(request.POST or None, victims=_victims(request, event.compartment_id))
    if request.method == "POST":
        actor_id = staff_user(request).pk
        act = _form_write(
            form,
            lambda data: actions.act_create(
                actor_id=actor_id, event=event, **_act_values(form, data)
            ),
        )
        if isinstance(act, Act):
            return _saved(request, "documentation:act", act_id=act.pk)
    return render(
        request, "documentation/form.html", {"form": form, "title": _("New act"), "event": event}
    )


@GET_POST
@require_permission("documentation.view")
def act_detail(request: HttpRequest, act_id: uuid.UUID) -> HttpResponse:
    """An act: its victim, perpetrators and sources; lawyers edit it and add perpetrators."""
    user = staff_user(request)
    act = record_for_user(request, Act, act_id)
    may_edit = user.may("documentation.edit")
    if request.method == "POST" and not may_edit:
        raise Http404
    event = act.event
    involvements = list(
        act.involvements.select_related("perpetrator", "degree", "perpetrator_type")
    )
    sources = list(act.sources.select_related("connection", "testimony__person", "source"))
    reads_audit(
        request,
        [event, act.victim, *involvements, *[i.perpetrator for i in involvements], *sources],
    )
    form = involvement_form = None
    if may_edit:
        victims = _victims(request, act.compartment_id)
        form = ActForm(request.POST or None, initial=ActForm.initial_for(act), victims=victims)
        if request.method == "POST":
            written = _form_write(
                form,
                lambda data: actions.act_update(
                    actor_id=user.pk, act=act, **_act_values(form, data)
                ),
            )
            if written is not None:
                return _saved(request, "documentation:act", act_id=act.pk)
        perpetrators = _perpetrators(request, act.compartment_id)
        involvement_form = InvolvementForm(perpetrators=perpetrators)
    return render(
        request,
        "documentation/act.html",
        {
            "act": act,
            "event": event,
            "involvements": involvements,
            "sources": sources,
            "form": form,
            "involvement_form": involvement_form,
        },
    )


def _perpetrators(request: HttpRequest, compartment_id: int) -> list[Person]:
    found = [
        p
        for p in _of_compartment(request, Person, compartment_id)
        if p.role == PersonRole.PERPETRATOR
    ]
    reads_audit(request, found)
    return found


@POST
@require_permission("documentation.edit")
def involvement_new(request: HttpRequest, act_id: uuid.UUID) -> HttpResponse:
    act = record_for_user(request, Act, act_id, permission="documentation.edit")
    form = InvolvementForm(request.POST, perpetrators=_perpetrators(request, act.compartment_id))
    actor_id = staff_user(request).pk
    _posted(
        request,
        form,
        lambda data: actions.involvement_add(
            actor_id=actor_id,
            act=act,
            perpetrator=form.record("perpetrator"),
            degree=data["degree"],
            perpetrator_type=data["perpetrator_type"],
            remarks=data["remarks"],
        ),
    )
    return redirect("documentation:act", act_id=act.pk)


# --- persons and testimonies -------------------------------------------------------------


@GET
@require_permission("documentation.view")
def person_list(request: HttpRequest) -> HttpResponse:
    persons = list(visible(request, Person).annotate(acts=Count("acts_suffered")))
    reads_audit(request, persons)
    persons.sort(key=lambda p: (p.role, p.name.casefold()))
    return render(
        request,
        "documentation/persons.html",
        {"persons": persons, "may_edit": staff_user(request).may("documentation.edit")},
    )


@GET_POST
@require_permission("documentation.edit")
def person_new(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, compartments=_compartment_choices(request))
    if request.method == "POST":
        actor_id = staff_user(request).pk

        def write(data: dict[str, Any]) -> Person:
            return actions.person_create(
                actor_id=actor_id,
                compartment=_compartment(request, data["compartment"]),
                name=data["name"],
                role=data["role"],
                kind=data["kind"],
                other_names=data["other_names"],
                description=data["description"],
            )

        person = _form_write(form, write)
        if isinstance(person, Person):
            return _saved(request, "documentation:person", person_id=person.pk)
    return render(request, "documentation/form.html", {"form": form, "title": _("New person")})


@GET_POST
@require_permission("documentation.view")
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """A person: what was done to them, what they did, what they told, and their case."""
    user = staff_user(request)
    person = record_for_user(request, Person, person_id)
    may_edit = user.may("documentation.edit")
    if request.method == "POST" and not may_edit:
        raise Http404
    form = None
    if may_edit:
        form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
        if request.method == "POST":
            written = _form_write(
                form, lambda data: actions.person_update(actor_id=user.pk, person=person, **data)
            )
            if written is not None:
                return _saved(request, "documentation:person", person_id=person.pk)
    acts = list(person.acts_suffered.select_related("act_type", "event"))
    involvements = list(person.involvements.select_related("act__act_type", "act__event", "degree"))
    testimonies = list(person.testimonies.all())
    events = {a.event for a in acts} | {i.act.event for i in involvements}
    reads_audit(
        request, [*acts, *involvements, *[i.act for i in involvements], *testimonies, *events]
    )
    case_readable = person.case_id is not None and (
        Case.objects.filter(
            pk=person.case_id, compartment_id__in=documentation_member_of(request)
        ).exists()
    )
    return render(
        request,
        "documentation/person.html",
        {
            "person": person,
            "acts": acts,
            "involvements": involvements,
            "testimonies": testimonies,
            "form": form,
            "may_edit": may_edit,
            "case_readable": case_readable,
            "link_form": PersonLinkForm(initial={"case": person.case_id}) if may_edit else None,
        },
    )


@POST
@require_permission("documentation.edit")
def person_link(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Link the person to a case (or unlink): needs the keys of both compartments."""
    person = record_for_user(request, Person, person_id, permission="documentation.edit")
    form = PersonLinkForm(request.POST)
    actor_id = staff_user(request).pk

    def write(data: dict[str, Any]) -> Person:
        case = None
        if data["case"] is not None:
            try:
                case = case_for_user(request, data["case"], permission="case.view")
            except Http404 as missing:
                raise ValidationError(
                    _("No case with this number in the compartments you hold.")
                ) from missing
        return actions.person_link_case(
            actor_id=actor_id,
            keyring=request.keyring,  # type: ignore[attr-defined]
            person=person,
            case=case,
        )

    _posted(request, form, write)
    return redirect("documentation:person", person_id=person.pk)


@GET_POST
@require_permission("documentation.edit")
def testimony_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person = record_for_user(request, Person, person_id, permission="documentation.edit")
    form = TestimonyForm(request.POST or None)
    if request.method == "POST":
        actor_id = staff_user(request).pk
        testimony = _form_write(
            form, lambda data: actions.testimony_create(actor_id=actor_id, person=person, **data)
        )
        if isinstance(testimony, Testimony):
            return _saved(request, "documentation:testimony", testimony_id=testimony.pk)
    return render(
        request,
        "documentation/form.html",
        {
            "form": form,
            "title": _("Testimony of %(name)s") % {"name": person.name},
            "person": person,
        },
    )


@GET
@require_permission("documentation.view")
def testimony_detail(request: HttpRequest, testimony_id: uuid.UUID) -> HttpResponse:
    """A testimony and its consent panel: every use, what is in force, the history."""
    user = staff_user(request)
    testimony = record_for_user(request, Testimony, testimony_id)
    history = list(testimony.consents.select_related("recorded_by").order_by("-recorded_at"))
    withdrawals = {w.consent_id: w for w in _withdrawals(history)}
    supports = list(testimony.supports.select_related("event", "connection"))
    reads_audit(
        request,
        [
            testimony.person,
            *history,
            *withdrawals.values(),
            *supports,
            *[s.event for s in supports],
        ],
    )
    verdicts = consent.consents_in_force(testimony)
    may_edit = user.may("documentation.edit")
    return render(
        request,
        "documentation/testimony.html",
        {
            "testimony": testimony,
            "uses": [(ConsentUse(use).label, verdict) for use, verdict in verdicts.items()],
            "history": [(c, withdrawals.get(c.pk)) for c in history],
            "supports": supports,
            "consent_form": ConsentForm(initial={"obtained_on": timezone.localdate()})
            if may_edit
            else None,
            "withdraw_form": WithdrawForm() if may_edit else None,
        },
    )


def _withdrawals(consents: list[Any]) -> list[Any]:
    from corridor.documentation.models import ConsentWithdrawal

    return list(ConsentWithdrawal.objects.filter(consent_id__in=[c.pk for c in consents]))


@POST
@require_permission("documentation.edit")
def consent_new(request: HttpRequest, testimony_id: uuid.UUID) -> HttpResponse:
    testimony = record_for_user(request, Testimony, testimony_id, permission="documentation.edit")
    form = ConsentForm(request.POST)
    actor_id = staff_user(request).pk
    _posted(
        request,
        form,
        lambda data: consent.consent_record(actor_id=actor_id, testimony=testimony, **data),
    )
    return redirect("documentation:testimony", testimony_id=testimony.pk)


@POST
@require_permission("documentation.edit")
def consent_withdraw(request: HttpRequest, testimony_id: uuid.UUID) -> HttpResponse:
    """Withdraw one use; the page lists the exports that already carried the testimony."""
    testimony = record_for_user(request, Testimony, testimony_id, permission="documentation.edit")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("documentation:testimony", testimony_id=testimony.pk)
    try:
        carried = consent.consent_withdraw(
            actor_id=staff_user(request).pk,
            testimony=testimony,
            use=form.cleaned_data["use"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("documentation:testimony", testimony_id=testimony.pk)
    return render(
        request,
        "documentation/withdrawn.html",
        {
            "testimony": testimony,
            "use": ConsentUse(form.cleaned_data["use"]).label,
            "carried": carried,
        },
    )


# --- referrals ---------------------------------------------------------------------------


@GET
@require_permission("documentation.view")
def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = list(
        visible(request, Referral)
        .select_related("intervention_type", "owner")
        .order_by("-overdue", "answer_due_on", "-sent_on")
    )
    reads_audit(request, referrals)
    return render(
        request,
        "documentation/referrals.html",
        {
            "referrals": referrals,
            "today": timezone.localdate(),
            "may_edit": staff_user(request).may("documentation.edit"),
        },
    )


def _referral_form(request: HttpRequest, data: Any = None) -> ReferralForm:
    member_of = documentation_member_of(request, "documentation.edit")
    events = list(visible(request, Event))
    victims = [p for p in visible(request, Person) if p.role == PersonRole.VICTIM]
    parents = list(visible(request, Referral))
    reads_audit(request, [*events, *victims, *parents])
    return ReferralForm(
        data,
        compartments=_compartment_choices(request),
        owners=_owner_choices(member_of),
        events=events,
        victims=victims,
        parents=[(r, f"{r.recipient} ({r.sent_on:%Y-%m-%d})") for r in parents],
        initial={"owner": staff_user(request).pk},
    )


@GET_POST
@require_permission("documentation.edit")
def referral_new(request: HttpRequest) -> HttpResponse:
    form = _referral_form(request, request.POST or None)
    if request.method == "POST":
        actor_id = staff_user(request).pk

        def write(data: dict[str, Any]) -> Referral:
            return actions.referral_create(
                actor_id=actor_id,
                compartment=_compartment(request, data["compartment"]),
                intervention_type=data["intervention_type"],
                recipient=data["recipient"],
                recipient_kind=data["recipient_kind"],
                through=data["through"],
                sent_what=data["sent_what"],
                asked=data["asked"],
                sent_on=data["sent_on"],
                answer_due_on=data["answer_due_on"],
                owner_id=data["owner"],
                parent=form.record("parent"),
                events=form.records("events"),
                victims=form.records("victims"),
            )

        referral = _form_write(form, write)
        if isinstance(referral, Referral):
            return _saved(request, "documentation:referral", referral_id=referral.pk)
    return render(request, "documentation/form.html", {"form": form, "title": _("New referral")})


@GET_POST
@require_permission("documentation.view")
def referral_detail(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """A referral: what was sent, to whom, through whom, asked; answers; its chain."""
    user = staff_user(request)
    referral = record_for_user(request, Referral, referral_id)
    may_edit = user.may("documentation.edit")
    if request.method == "POST" and not may_edit:
        raise Http404
    owners = _owner_choices([referral.compartment_id])
    update_form = None
    if may_edit:
        update_form = ReferralUpdateForm(
            request.POST or None,
            owners=owners,
            initial={
                "status": referral.status,
                "answer_due_on": referral.answer_due_on,
                "owner": referral.owner_id,
            },
        )
        if request.method == "POST":
            written = _form_write(
                update_form,
                lambda data: actions.referral_update(
                    actor_id=user.pk,
                    referral=referral,
                    status=data["status"],
                    answer_due_on=data["answer_due_on"],
                    owner_id=data["owner"],
                ),
            )
            if written is not None:
                return _saved(request, "documentation:referral", referral_id=referral.pk)
    answers = list(referral.answers.select_related("response"))
    events, victims = list(referral.events.all()), list(referral.victims.all())
    chain = [r for r in (referral.parent,) if r is not None] + list(referral.children.all())
    reads_audit(request, [*answers, *events, *victims, *chain])
    return render(
        request,
        "documentation/referral.html",
        {
            "referral": referral,
            "answers": answers,
            "events": events,
            "victims": victims,
            "parent": referral.parent,
            "children": [r for r in chain if r.parent_id == referral.pk],
            "update_form": update_form,
            "answer_form": AnswerForm(initial={"status_after": referral.status})
            if may_edit
            else None,
            "today": timezone.localdate(),
        },
    )


@POST
@require_permission("documentation.edit")
def answer_new(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    referral = record_for_user(request, Referral, referral_id, permission="documentation.edit")
    form = AnswerForm(request.POST)
    actor_id = staff_user(request).pk
    _posted(
        request,
        form,
        lambda data: actions.referral_answer_add(actor_id=actor_id, referral=referral, **data),
    )
    return redirect("documentation:referral", referral_id=referral.pk)
