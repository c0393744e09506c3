"""Expenses per case: positive amounts in real currencies, dated within the case's life."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from corridor.audit.models import AuditEntry
from corridor.cases.actions import expense_add, expense_correct, expense_void
from corridor.cases.models import Case, Expense
from corridor.cases.tests.conftest import Desk, login_en
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _add(desk: Desk, case: Case, **kwargs: Any) -> Expense:
    values: dict[str, Any] = {
        "category": "housing",
        "amount": "250.00",
        "currency": "eur",
        "spent_on": timezone.localdate(),
        "note": "Two weeks in the flat",
    }
    values.update(kwargs)
    with keyring_activated(desk.worker.keyring):
        return expense_add(actor_id=desk.worker.user.pk, case=case, **values)


def test_it_records_an_expense_with_an_encrypted_note(desk: Desk) -> None:
    case = desk.case()
    expense = _add(desk, case)
    stored = Expense.objects.get(pk=expense.pk)
    assert (stored.amount, stored.currency, stored.category) == (
        Decimal("250.00"),
        "EUR",
        "housing",
    )
    raw = Expense.objects.values_list("note_sealed", flat=True).get()
    assert raw is not None and b"flat" not in bytes(raw)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and (entry.action, entry.object_id) == ("expense.create", str(case.pk))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "-5"),
        ("amount", "0"),
        ("amount", "1.005"),
        ("amount", "NaN"),
        ("amount", "lots"),
        ("currency", "EURO"),
        ("currency", "ZZZ"),
        ("currency", "XAU"),  # gold is not money anyone is paid in
        ("category", "bribes"),
        ("spent_on", "before"),
        ("spent_on", "future"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(desk: Desk, field: str, value: str) -> None:
    # Given a case that began 60 days ago
    case = desk.case()
    if field == "spent_on":
        offset = timedelta(days=-1) if value == "before" else timedelta(days=61)
        value = timezone.localdate(desk.began + offset)  # type: ignore[assignment]
    entries = AuditEntry.objects.count()
    # When an expense with one bad value is added
    with pytest.raises(ValidationError) as refused:
        _add(desk, case, **{field: value})
    # Then it is refused with a message, and nothing was written
    assert refused.value.messages
    assert not Expense.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_it_lists_expenses_with_totals_per_currency_on_the_case_page(desk: Desk) -> None:
    case = desk.case()
    _add(desk, case, amount="100.50", currency="RUB")
    _add(desk, case, amount="20", currency="EUR", category="food")
    _add(desk, case, amount="0.50", currency="RUB", category="medical")
    page = login_en(desk.lawyer).get(f"/cases/{case.pk}/").content.decode()
    assert "101.00 RUB" in page and "20.00 EUR" in page
    assert "Two weeks in the flat" in page


def test_it_shows_a_bad_expense_form_again_with_its_message(desk: Desk) -> None:
    case = desk.case()
    client = login_en(desk.worker)
    response = client.post(
        f"/cases/{case.pk}/expenses/",
        {"category": "food", "amount": "-3", "currency": "EUR", "spent_on": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = client.post(
        f"/cases/{case.pk}/expenses/",
        {
            "category": "food",
            "amount": "3",
            "currency": "EUR",
            "spent_on": timezone.localdate(desk.began - timedelta(days=3)).isoformat(),
        },
    )
    assert "This date is before the case began." in response.content.decode()
    assert not Expense.objects.exists()


# --- corrections and voids (issue 13, decision 0041) ---------------------------------------


def test_it_voids_a_wrong_entry_with_a_reason_keeping_it_out_of_every_total(desk: Desk) -> None:
    # Given two entries, one typed twice by mistake
    case = desk.case()
    _add(desk, case, amount="100", currency="EUR")
    twice = _add(desk, case, amount="100", currency="EUR")
    client = login_en(desk.worker)
    # When the caseworker voids it on its page, saying why
    url = f"/cases/{case.pk}/expenses/{twice.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"step": "void", "reason": "Entered twice, receipt 17"})
    # Then it stays on the case, struck out with the reason, and counts in no total
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert Expense.objects.filter(case=case).count() == 2
    twice.refresh_from_db()
    assert twice.voided_at is not None and twice.voided_by_id == desk.worker.user.pk
    raw = Expense.objects.values_list("void_reason_sealed", flat=True).get(pk=twice.pk)
    assert raw is not None and b"receipt" not in bytes(raw)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<del>100.00 EUR</del>" in page and "Entered twice, receipt 17" in page
    assert "<th>100.00 EUR</th>" in page  # the total: one entry, not two
    assert AuditEntry.objects.filter(action="expense.void", object_id=str(twice.pk)).count() == 1
    # and it cannot be voided a second time
    with keyring_activated(desk.worker.keyring), pytest.raises(ValidationError, match="already"):
        expense_void(actor_id=desk.worker.user.pk, expense=twice, reason="again")


def test_it_corrects_an_entry_by_a_new_one_that_replaces_it(desk: Desk) -> None:
    case = desk.case()
    wrong = _add(desk, case, amount="1000", currency="RUB", category="food")
    client = login_en(desk.coordinator)
    response = client.post(
        f"/cases/{case.pk}/expenses/{wrong.pk}/",
        {
            "step": "correct",
            "reason": "A zero too many",
            "category": "food",
            "amount": "100",
            "currency": "RUB",
            "spent_on": timezone.localdate().isoformat(),
            "note": "Groceries",
        },
    )
    assert response.status_code == 302
    wrong.refresh_from_db()
    corrected = wrong.replaced_by
    assert corrected is not None and corrected.amount == Decimal("100.00")
    assert corrected.voided_at is None and wrong.voided_at is not None
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<th>100.00 RUB</th>" in page and "Corrected: A zero too many" in page
    assert AuditEntry.objects.filter(action="expense.correct", object_id=str(wrong.pk)).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"step": "void", "reason": ""},
        {"step": "correct", "reason": "", "category": "food", "amount": "5", "currency": "EUR"},
        {"step": "correct", "reason": "why", "category": "food", "amount": "-5", "currency": "EUR"},
        {"step": "correct", "reason": "why", "category": "food", "amount": "5", "currency": "ZZZ"},
    ],
)
def test_a_void_or_correction_without_reason_or_with_bad_values_changes_nothing(
    desk: Desk, data: dict[str, str]
) -> None:
    case = desk.case()
    expense = _add(desk, case)
    data = {"spent_on": timezone.localdate().isoformat(), **data}
    response = login_en(desk.worker).post(f"/cases/{case.pk}/expenses/{expense.pk}/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    expense.refresh_from_db()
    assert expense.voided_at is None and Expense.objects.count() == 1
    writes = AuditEntry.objects.filter(action__in=["expense.void", "expense.correct"])
    assert not writes.exists() and AuditEntry.objects.filter(action="expense.create").count() == 1


def test_a_correction_that_fails_midway_leaves_the_old_entry_standing(desk: Desk) -> None:
    case = desk.case()
    expense = _add(desk, case)
    with keyring_activated(desk.worker.keyring):
        expense_void(actor_id=desk.worker.user.pk, expense=expense, reason="gone")
    # A correction of an entry voided meanwhile (an old page) writes no new entry
    with keyring_activated(desk.worker.keyring), pytest.raises(ValidationError, match="already"):
        expense_correct(
            actor_id=desk.worker.user.pk,
            expense=expense,
            reason="late",
            category="food",
            amount="1",
            currency="EUR",
            spent_on=timezone.localdate(),
        )
    assert Expense.objects.count() == 1


def test_donor_reports_and_charts_leave_voided_entries_out(desk: Desk) -> None:
    from corridor.reports.dashboards import spending_by_currency
    from corridor.reports.period import Period

    case = desk.case()
    _add(desk, case, amount="40", currency="EUR", category="food")
    wrong = _add(desk, case, amount="400", currency="EUR", category="food")
    with keyring_activated(desk.worker.keyring):
        expense_void(actor_id=desk.worker.user.pk, expense=wrong, reason="typo")
    today = timezone.localdate()
    period = Period(today.replace(day=1), today.replace(day=1))
    spent = spending_by_currency(compartment_ids=[desk.north.pk], period=period)
    assert sum(spent["EUR"]["food"].values()) == Decimal("40")
