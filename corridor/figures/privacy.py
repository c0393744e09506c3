"""Noisy counts under differential privacy, from OpenDP's Context API. Plain Python, no Django.

Each published table is a histogram over a public list of categories (months, countries):
one case adds at most one row to a table, so adding or removing a person changes one count
by at most one. OpenDP's compositor, given the table's share of the release's epsilon, picks
the discrete Laplace scale and draws the noise; `accuracy` is OpenDP's own bound at 95%
(the noise exceeds it with probability at most 5%). A release of k tables costs the sum of
their epsilons (sequential composition, pure epsilon-DP), which the ledger charges
(decision 0030). Noise is drawn only when a release is published: nobody sees a noisy number
they could throw away and ask for again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import opendp.prelude as dp

dp.enable_features("contrib")

ALPHA = 0.05  # accuracy is stated at 95% confidence


@dataclass(frozen=True)
class TableCost:
    epsilon: float
    scale: float
    accuracy: int  # ± this, at 95%


def _query(
    data: list[str], categories: Sequence[str], epsilon: float, contributions: int = 1
) -> Any:
    """`contributions`: how many rows one person may add (the acts table: one per type of
    act, bounded); OpenDP scales the noise to it."""
    context = dp.Context.compositor(
        data=data,
        privacy_unit=dp.unit_of(contributions=contributions),
        privacy_loss=dp.loss_of(epsilon=epsilon),
        split_evenly_over=1,
        domain=dp.vector_domain(dp.atom_domain(T=str)),
    )
    return (
        context.query()
        .count_by_categories(categories=list(categories), null_category=False)
        .laplace()
    )


def _cost(query: Any, epsilon: float) -> TableCost:
    scale = float(query.param())
    accuracy = dp.discrete_laplacian_scale_to_accuracy(scale=scale, alpha=ALPHA)
    return TableCost(epsilon, scale, math.floor(accuracy))


def table_cost(categories: Sequence[str], epsilon: float, contributions: int = 1) -> TableCost:
    """The scale OpenDP would use for this table at `epsilon`, and its 95% accuracy, without
    drawing any noise (the data does not change either)."""
    return _cost(_query([], categories, epsilon, contributions), epsilon)


def table_mechanism(categories: Sequence[str], epsilon: float, contributions: int = 1) -> Any:
    """The measurement a table's release runs (OpenDP's, resolved from the same query), for
    checking its stated accuracy over many draws."""
    return _query([], categories, epsilon, contributions).resolve()


def table_release(
    rows: list[str], categories: Sequence[str], epsilon: float, contributions: int = 1
) -> tuple[list[int], TableCost]:
    """Noisy counts of `rows` (one public category per case) in the order of `categories`.

    Rows outside the categories are dropped before counting (a category list is public, so
    the existence of a category reveals nothing). Counts below zero are shown as zero:
    post-processing, which costs no privacy.
    """
    known = set(categories)
    data = [row for row in rows if row in known]
    query = _query(data, categories, epsilon, contributions)
    cost = _cost(query, epsilon)
    return [max(int(n), 0) for n in query.release()], cost
