"""Documented acts by type, published under differential privacy (issue 14, decision 0044).

One victim may add several rows to this table (one per type of act they suffered), so the
privacy unit is bounded at ACT_TYPES_PER_VICTIM rows and the noise is scaled to it; the same
type twice counts once; the categories are the act-type vocabulary, fixed before any data is
read; the public page names each type in its language.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.test import Client

from conftest import Org
from corridor.accounts.roles import Role
from corridor.documentation import actions as documentation
from corridor.documentation.models import Term
from corridor.figures import actions
from corridor.figures.privacy import table_cost, table_mechanism
from corridor.figures.tables import ACT_TYPES_PER_VICTIM, TABLES, table_categories
from corridor.reports.period import Period
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db

MAY, JUNE = date(2017, 5, 1), date(2017, 6, 1)


def _term(key: str) -> Term:
    return Term.objects.get(vocabulary="act_type", key=key)


def _document(org: Org) -> None:
    """Two victims: one who suffered five types of act (torture twice), one detained; and an
    act outside the period."""
    lawyer = org.staff("lawyer", Role.LAWYER, ("Documentation",))
    docs = org.compartment("Documentation")
    with keyring_activated(lawyer.keyring):
        event = documentation.event_create(
            actor_id=lawyer.user.pk, compartment=docs, title="Detentions in Argun"
        )
        first, second = (
            documentation.person_create(
                actor_id=lawyer.user.pk, compartment=docs, name=name, role="victim"
            )
            for name in ("Victim One", "Victim Two")
        )
        acts = [
            (first, "threats", MAY),
            (first, "torture", MAY),
            (first, "torture", JUNE),
            (first, "arbitrary_arrest", MAY),
            (first, "extortion", JUNE),
            (first, "forced_outing", JUNE),
            (second, "arbitrary_arrest", JUNE),
            (second, "killing", date(2017, 8, 1)),  # outside May-June
        ]
        for victim, key, month in acts:
            documentation.act_create(
                actor_id=lawyer.user.pk,
                event=event,
                victim=victim,
                act_type=_term(key),
                start_precision="month",
                start_date=month,
            )


def _order(keys: list[str]) -> list[str]:
    position = dict(Term.objects.filter(vocabulary="act_type").values_list("key", "position"))
    return sorted(keys, key=lambda k: (position[k], k))


def test_it_counts_each_victim_once_per_type_and_at_most_the_bound(org: Org) -> None:
    # Given acts documented for two victims
    _document(org)
    # When the table's rows for May and June are read
    rows = TABLES["acts"].rows(Period(MAY, JUNE))
    # Then the second victim adds one row, the first at most the bound, each type once, in
    # the vocabulary's order; the act of August is not in it
    first = _order(["threats", "torture", "arbitrary_arrest", "extortion", "forced_outing"])
    expected = Counter(first[:ACT_TYPES_PER_VICTIM] + ["arbitrary_arrest"])
    assert Counter(rows) == expected
    assert "killing" not in rows
    # and the categories are the vocabulary, whatever was documented
    categories = table_categories("acts", Period(MAY, JUNE))
    assert set(categories) == set(
        Term.objects.filter(vocabulary="act_type", active=True).values_list("key", flat=True)
    )


def test_it_scales_the_noise_to_the_rows_one_victim_may_add() -> None:
    categories = ["torture", "arbitrary_arrest"]
    single, bounded = table_cost(categories, 0.5), table_cost(categories, 0.5, ACT_TYPES_PER_VICTIM)
    assert bounded.scale == pytest.approx(single.scale * ACT_TYPES_PER_VICTIM)
    assert bounded.accuracy > single.accuracy
    # OpenDP's own accounting: a victim adding the bound's rows costs at most ε, no more
    mechanism = table_mechanism(categories, 0.5, ACT_TYPES_PER_VICTIM)
    assert mechanism.map(ACT_TYPES_PER_VICTIM) <= 0.5 + 1e-9


def test_it_keeps_95_percent_of_bounded_releases_within_the_stated_accuracy() -> None:
    categories = ["torture", "arbitrary_arrest"]
    cost = table_cost(categories, 0.5, ACT_TYPES_PER_VICTIM)
    mechanism = table_mechanism(categories, 0.5, ACT_TYPES_PER_VICTIM)
    data = ["torture"] * 30 + ["arbitrary_arrest"] * 12
    within = sum(abs(mechanism(data)[0] - 30) <= cost.accuracy for _ in range(1000))
    assert 940 <= within <= 980, (within, cost)


def test_it_publishes_the_acts_with_their_names_in_each_language(org: Org) -> None:
    # Given documented acts and a coordinator
    _document(org)
    coordinator = org.staff("coordinator", Role.COORDINATOR, ("North",))
    release = actions.release_prepare(
        actor_id=coordinator.user.pk,
        first_month=MAY,
        last_month=JUNE,
        tables=["acts"],
        epsilon=0.5,
    )
    # When it is published
    actions.release_publish(actor_id=coordinator.user.pk, release_id=release.pk)
    # Then every type of the vocabulary has a number and the bounded accuracy
    values = list(release.values.values_list("category", "accuracy"))
    assert {c for c, _a in values} == set(table_categories("acts", Period(MAY, JUNE)))
    assert {a for _c, a in values} == {table_cost(["x"], 0.5, ACT_TYPES_PER_VICTIM).accuracy}
    # and the public page names the types in Russian and in English
    visitor = Client()
    russian = visitor.get("/figures/").content.decode()
    english = visitor.get("/figures/en/").content.decode()
    assert _term("torture").label_ru in russian and "Вид деяния" in russian
    assert _term("torture").label_en in english and "Type of act" in english
    assert "Documented acts, by type" in english
