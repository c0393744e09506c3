"""Donor reports: spending of one funding source in a period, each currency on its own, and
optionally converted at rates the organisation entered (decision 0029). Operational columns
only: amounts, currencies, categories, dates and case ids (counted, never shown)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.currencies import currency_valid
from corridor.cases.models import Expense, ExpenseCategory, FundingKind, FundingSource
from corridor.reports.models import DonorReport
from corridor.reports.period import Period

CENT = Decimal("0.01")


def funding_source_create(*, actor_id: int, code: str, kind: str) -> FundingSource:
    code = code.strip().upper()
    if not code or len(code) > 32:
        raise ValidationError(_("Give the source a short code of at most 32 characters."))
    if kind not in FundingKind.values:
        raise ValidationError(_("This is not one of the choices."))
    if FundingSource.objects.filter(code=code).exists():
        raise ValidationError(_("There is already a source with this code."))
    with transaction.atomic():
        source = FundingSource.objects.create(code=code, kind=kind)
        audit_record(
            actor_id=actor_id,
            action="funding.create",
            object_type="funding_source",
            object_id=str(source.pk),
        )
    return source


def rates_parse(text: str) -> dict[str, str]:
    """`USD=0.92, RUB=0.0098` -> {"USD": "0.92", "RUB": "0.0098"}, or ValidationError."""
    rates: dict[str, str] = {}
    for item in text.replace(";", ",").replace("\n", ",").split(","):
        if not item.strip():
            continue
        code, _sep, value = item.partition("=")
        code = code.strip().upper()
        try:
            rate = Decimal(value.strip())
        except InvalidOperation:
            rate = Decimal(0)
        if not currency_valid(code) or rate <= 0:
            raise ValidationError(
                _("Write each rate as CODE=number, for example USD=0.92, RUB=0.0098.")
            )
        rates[code] = str(rate)
    return rates


def donor_report_create(
    *,
    actor_id: int,
    source: FundingSource,
    period: Period,
    target_currency: str,
    rates: dict[str, str],
) -> DonorReport:
    target = target_currency.strip().upper()
    if target and not currency_valid(target):
        raise ValidationError(_("Use a three-letter ISO 4217 currency code, such as EUR or RUB."))
    if rates and not target:
        raise ValidationError(_("Name the currency the rates convert to."))
    with transaction.atomic():
        report = DonorReport.objects.create(
            source=source,
            first_month=period.first,
            last_month=period.last,
            target_currency=target,
            rates=rates,
            created_by_id=actor_id,
        )
        audit_record(
            actor_id=actor_id,
            action="donor_report.create",
            object_type="donor_report",
            object_id=str(report.pk),
        )
    return report


@dataclass
class CurrencyFigures:
    currency: str
    total: Decimal = Decimal(0)
    by_category: dict[str, Decimal] = field(default_factory=dict)
    by_month: dict[date, Decimal] = field(default_factory=dict)
    people: int = 0

    @property
    def per_person(self) -> Decimal | None:
        return (self.total / self.people).quantize(CENT) if self.people else None

    def categories(self) -> list[tuple[str, Decimal]]:
        return [
            (str(c.label), self.by_category[c]) for c in ExpenseCategory if c in self.by_category
        ]


@dataclass
class DonorFigures:
    report: DonorReport
    currencies: list[CurrencyFigures]
    people: int  # distinct cases helped from this source, any currency
    converted: Decimal | None  # everything in the target currency, if every rate was given
    missing_rates: list[str]

    @property
    def converted_per_person(self) -> Decimal | None:
        if self.converted is None or not self.people:
            return None
        return (self.converted / self.people).quantize(CENT)


def donor_compute(report: DonorReport, compartment_ids: list[int]) -> DonorFigures:
    """Four queries: by category, by month, people per currency, people in all."""
    period = Period(report.first_month, report.last_month)
    expenses = Expense.objects.filter(
        voided_at__isnull=True,
        funding_source=report.source,
        compartment_id__in=compartment_ids,
        spent_on__gte=period.first,
        spent_on__lt=period.end.date(),
    )
    found: dict[str, CurrencyFigures] = {}

    def of(code: str) -> CurrencyFigures:
        return found.setdefault(code, CurrencyFigures(code))

    for row in expenses.values("currency", "category").annotate(total=Sum("amount")).order_by():
        figures = of(row["currency"])
        figures.by_category[row["category"]] = Decimal(row["total"]).quantize(CENT)
        figures.total += figures.by_category[row["category"]]
    months = expenses.annotate(month=TruncMonth("spent_on")).values("currency", "month")
    for row in months.annotate(total=Sum("amount")).order_by("month"):
        of(row["currency"]).by_month[row["month"]] = Decimal(row["total"]).quantize(CENT)
    people = expenses.values("currency").annotate(n=Count("case_id", distinct=True)).order_by()
    for row in people:
        of(row["currency"]).people = row["n"]
    helped = expenses.aggregate(n=Count("case_id", distinct=True))["n"]
    currencies = [found[c] for c in sorted(found)]
    target = report.target_currency
    missing = [
        c.currency for c in currencies if c.currency != target and c.currency not in report.rates
    ]
    converted = None
    if target and not missing:
        converted = sum(
            (
                c.total if c.currency == target else c.total * Decimal(report.rates[c.currency])
                for c in currencies
            ),
            Decimal(0),
        ).quantize(CENT)
    return DonorFigures(report, currencies, helped, converted, missing)


def donor_csv(figures: DonorFigures) -> bytes:
    """The report as CSV: one line per (section, currency, key)."""
    out = io.StringIO()
    writer = csv.writer(out)
    report = figures.report
    writer.writerow(
        ["source", report.source.code, f"{report.first_month:%Y-%m}", f"{report.last_month:%Y-%m}"]
    )
    writer.writerow(["section", "currency", "key", "amount"])
    for c in figures.currencies:
        for label, total in c.categories():
            writer.writerow(["category", c.currency, label, total])
        for month, total in c.by_month.items():
            writer.writerow(["month", c.currency, f"{month:%Y-%m}", total])
        writer.writerow(["total", c.currency, "", c.total])
        writer.writerow(["people_helped", c.currency, "", c.people])
        writer.writerow(
            ["per_person", c.currency, "", c.per_person if c.per_person is not None else ""]
        )
    writer.writerow(["people_helped", "", "", figures.people])
    if figures.converted is not None:
        writer.writerow(["converted_total", report.target_currency, "", figures.converted])
        writer.writerow(
            ["converted_per_person", report.target_currency, "", figures.converted_per_person or ""]
        )
        for code, rate in sorted(report.rates.items()):
            writer.writerow(["rate", code, report.target_currency, rate])
    return out.getvalue().encode()


def export_encrypt(data: bytes, recipient: str) -> bytes:
    """`data` encrypted with age to one recipient (`age1...`, the requesting user's registered
    key or one they typed, decision 0037): the stock `age --decrypt -i` opens it with the
    matching identity."""
    import pyrage

    return pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(recipient)])
