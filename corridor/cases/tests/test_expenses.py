"""Expenses per case: positive amounts in real currencies, dated within the case's life."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from corridor.audit.models import AuditEntry
from corridor.cases.actions import expense_add
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
