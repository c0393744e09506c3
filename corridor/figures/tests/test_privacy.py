"""The stated accuracy is true, and not needlessly wide (decision 0030)."""

from __future__ import annotations

from corridor.figures.privacy import table_cost, table_mechanism


def test_it_keeps_95_percent_of_releases_within_the_stated_accuracy() -> None:
    # Given a table of two months whose first count is known to be 40, at ε = 0.25
    categories = ["2017-05", "2017-06"]
    cost = table_cost(categories, 0.25)
    mechanism = table_mechanism(categories, 0.25)
    assert mechanism.map(1) <= 0.25  # OpenDP's own accounting: one case costs at most ε
    data = ["2017-05"] * 40 + ["2017-06"] * 3
    # When it is released 1,000 times
    within = sum(abs(mechanism(data)[0] - 40) <= cost.accuracy for _ in range(1000))
    # Then the stated 95% interval holds the true count in 94% to 98% of them
    assert 940 <= within <= 980, (within, cost)


def test_it_widens_the_interval_as_epsilon_shrinks() -> None:
    assert table_cost(["a"], 1.0).accuracy < table_cost(["a"], 0.1).accuracy
