"""Where the engine loses the true pairs of each generator class (blocking, scoring, names,
clustering).

    .venv/bin/python bench/linkage/losses.py [--size 10000]

Every true pair the engine did not put in one cluster is assigned to the first step that lost
it: `blocking` (never compared), `names` (names compared as incompatible, so no evidence may
link them), `scoring` (compared, compatible, below the link threshold), `clustering` (an edge,
refused because some cross pair contradicted). A pair counts under every class either of its
two requests carries (`typo`, `german`, `split-merge`, ...), and under `same-phone` when both
requests give the same number, and under `identifiable` when the generator's oracle
(`ceiling.py`) could link it without guessing.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ceiling import identifiable_groups  # noqa: E402
from generate import write_dataset  # noqa: E402
from run import DATA  # noqa: E402

from corridor.linkage.cli import requests_read  # noqa: E402
from corridor.linkage.pairs import INDEX_BITS, pattern_of_code  # noqa: E402
from corridor.linkage.pipeline import LINK_BITS, _compatible, _evidence, link  # noqa: E402

STEPS = ("blocking", "names", "scoring", "clustering")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--examples", type=int, default=0, help="print lost pairs per class")
    args = parser.parse_args()
    requests_path, truth_path = write_dataset(args.size, DATA)
    requests = requests_read(requests_path)
    with truth_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = link(requests)
    _, groups = identifiable_groups(args.size)
    linker = result._linker
    pairs, codes = linker.compared_pairs()
    evidence = _evidence(result.model, linker, pairs, codes)
    compared = {pair: (code, bits) for pair, code, bits in zip(pairs, codes, evidence, strict=True)}
    persons: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        persons[row["person"]].append(index)
    lost: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    threshold = LINK_BITS - result.model.prior_bits
    for members in persons.values():
        for left, right in combinations(members, 2):
            kinds = set(rows[left]["classes"].split()) | set(rows[right]["classes"].split())
            features = linker.features
            if features[left].phone and features[left].phone == features[right].phone:
                kinds.add("same-phone")
            if groups[left] == groups[right]:
                kinds.add("identifiable")
            kinds.add("all")
            for kind in kinds:
                totals[kind] += 1
            if result.labels[left] == result.labels[right]:
                continue
            found = compared.get(left << INDEX_BITS | right)
            if found is None:
                step = "blocking"
            elif not _compatible(result.model, pattern_of_code(found[0])):
                step = "names" if pattern_of_code(found[0])[0] in (0, 1) else "contradiction"
            elif found[1] < threshold:
                step = "scoring"
            else:
                step = "clustering"
            for kind in kinds:
                lost[(kind, step)] += 1
                if args.examples and len(examples[f"{kind} {step}"]) < args.examples:
                    pattern = pattern_of_code(found[0]) if found else None
                    examples[f"{kind} {step}"].append(
                        f"{requests[left]} | {requests[right]} | {pattern}"
                    )
    steps = (*STEPS[:2], "contradiction", *STEPS[2:])
    print(f"{'class':<15} {'pairs':>8} " + " ".join(f"{step:>13}" for step in steps))
    for kind in sorted(totals, key=lambda k: -totals[k]):
        cells = " ".join(f"{lost[(kind, step)]:>13}" for step in steps)
        print(f"{kind:<15} {totals[kind]:>8} {cells}")
    for key, items in sorted(examples.items()):
        print(f"## {key}")
        for item in items:
            print("  ", item)


if __name__ == "__main__":
    main()
