"""How much of the generator's ground truth any method could link without guessing.

    .venv/bin/python bench/linkage/ceiling.py [--sizes 10000,100000,1000000]

A generous oracle: it reads every request perfectly (no typo, layout or transliteration is an
obstacle, a mistyped date is read as the true one) and knows every person's true attributes.
Two requests of one person are *identifiable* when the attributes both of them reveal in
common (name, patronymic, full date or year, phone) are held by exactly one person in the
dataset; identifiable pairs are then closed transitively within each person. Any pair
outside those closures shares only evidence that several real people fit (two requests
saying "Magomed Magomadov" and nothing else, when there are forty of them), and linking it
is a guess. With perfect precision, recall is at most the identifiable share R, so
F1 <= 2R / (1 + R) for a method that does not guess.

Beside it, the conservative oracle of issue 15 (the figures it gives for the independent
set): it links the two requests of a true pair when they share a phone, a full date of birth
or a name no other person has, then closes the links within each person. It knows which pairs
are true, so it is not a ceiling for a method that reads only the requests: a full date that
thirty people share at a million requests counts as evidence for it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from corridor.linkage.names import name_parse  # noqa: E402
from corridor.linkage.phones import phone_normalise  # noqa: E402

Revealed = tuple[str, ...]


def _revealed(person: generate.Person, row: dict[str, str]) -> set[str]:
    """The true attributes a request states, read perfectly."""
    facts: set[str] = set()
    if row["full_name"]:
        facts.add(f"name:{person.given}|{person.surname}")
        if name_parse(row["full_name"]).patronymic:
            facts.add(f"patronymic:{person.patronymic}")
    if row["birth_date"]:
        facts.add(f"year:{person.year}")
        if len(row["birth_date"]) > 4:
            facts.add(f"date:{person.year}-{person.month}-{person.day}")
    if row["phone"]:
        written = phone_normalise(row["phone"])
        true = [p for p in person.phones if phone_normalise(p) == written]
        facts.add(f"phone:{phone_normalise(true[0]) if true else written}")
    return facts


def _person_facts(person: generate.Person) -> set[str]:
    return {
        f"name:{person.given}|{person.surname}",
        f"patronymic:{person.patronymic}",
        f"year:{person.year}",
        f"date:{person.year}-{person.month}-{person.day}",
        *(f"phone:{phone_normalise(p)}" for p in person.phones),
    }


def _root(parent: dict[int, int], item: int) -> int:
    while parent[item] != item:
        item = parent[item]
    return item


def _issue_oracle_links(shared: set[str], holders: dict[str, set[int]]) -> bool:
    """Whether issue 15's oracle links a true pair sharing these facts."""
    return any(
        fact.startswith(("phone:", "date:"))
        or (fact.startswith("name:") and len(holders[fact]) == 1)
        for fact in shared
    )


def identifiable_groups(
    size: int, seed: int = 5, rule: str = "identifiable"
) -> tuple[list[int], list[int]]:
    """For each request, its person and the group of its closure under `rule`
    (`identifiable`, or `issue` for issue 15's oracle)."""
    captured: list[generate.Person] = []
    original = generate._request

    def recording(person: generate.Person, index: int, rng: object) -> dict[str, str]:
        captured.append(person)
        return original(person, index, rng)  # type: ignore[arg-type]

    generate._request = recording  # type: ignore[assignment]
    try:
        rows, truth = generate.generate(size, seed)
    finally:
        generate._request = original  # type: ignore[assignment]
    persons = {person.person_id: person for person in captured}
    holders: dict[str, set[int]] = defaultdict(set)
    for person in persons.values():
        for fact in _person_facts(person):
            holders[fact].add(person.person_id)
    revealed = [_revealed(p, row) for p, row in zip(captured, rows, strict=True)]
    by_person: dict[int, list[int]] = defaultdict(list)
    for index, person_id in enumerate(truth):
        by_person[person_id].append(index)
    groups = list(range(len(rows)))
    for members in by_person.values():
        parent = {m: m for m in members}
        for i, left in enumerate(members):
            for right in members[i + 1 :]:
                shared = revealed[left] & revealed[right]
                if not shared:
                    continue
                if rule == "issue":
                    joined = _issue_oracle_links(shared, holders)
                else:
                    joined = len(set.intersection(*(holders[f] for f in shared))) == 1
                if joined:
                    parent[_root(parent, left)] = _root(parent, right)
        for member in members:
            groups[member] = _root(parent, member)
    return truth, groups


def ceiling(size: int, seed: int = 5, rule: str = "identifiable") -> tuple[int, int]:
    """(pairs linked under `rule`, true pairs) for a generated dataset of `size` requests."""
    truth, groups = identifiable_groups(size, seed, rule)
    identifiable = sum(n * (n - 1) // 2 for n in Counter(groups).values())
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(truth).values())
    return identifiable, true_pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    print(
        f"{'records':>9} {'true pairs':>11} {'identifiable':>12} {'recall<=':>9} {'F1<=':>7}"
        f" {'issue oracle':>12} {'recall':>7} {'F1':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        found, total = ceiling(size)
        recall = found / total
        issue, _ = ceiling(size, rule="issue")
        issue_recall = issue / total
        print(
            f"{size:>9} {total:>11} {found:>12} {recall:>9.4f} {2 * recall / (1 + recall):>7.4f}"
            f" {issue:>12} {issue_recall:>7.4f} {2 * issue_recall / (1 + issue_recall):>7.4f}"
        )


if __name__ == "__main__":
    main()
