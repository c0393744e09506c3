"""Run Splink (DuckDB backend) on one dataset, configured as its documentation teaches.

Splink expects its input "standardised ... with consistent formatting" and does no
transliteration, so it is given the columns Corridor's normaliser produces (canonical name
words, patronymic, ISO date, E.164 phone); that time is counted in Splink's wall time. The
model then follows the Splink 4/5 tutorials: comparisons from the comparison library with term
frequency adjustments on the name, blocking rules for prediction, the prior from deterministic
rules, u by random sampling, m by EM over two blocking rules, predict, then
cluster_pairwise_predictions_at_threshold.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import time
from pathlib import Path

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from corridor.linkage.cli import requests_read
from corridor.linkage.features import features_extract

PREDICT_THRESHOLD = 0.2
CLUSTER_THRESHOLD = 0.95


FEATURE_COLUMNS = (
    "name_key",
    "first_word",
    "last_word",
    "patronymic",
    "dob",
    "birth_year",
    "phone",
)


def prepared_csv(source: Path, target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("unique_id", *FEATURE_COLUMNS))
        for request in requests_read(source):
            features = features_extract(request)
            words = features.name.tokens
            birth = features.birth
            dob = f"{birth.year:04d}-{birth.month:02d}-{birth.day:02d}" if birth.is_full else ""
            writer.writerow(
                (
                    request.record_id,
                    features.name.key or "",
                    words[0] if words else "",
                    words[-1] if words else "",
                    features.name.patronymic,
                    dob,
                    birth.year or "",
                    features.phone,
                )
            )


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("name_key").configure(term_frequency_adjustments=True),
            cl.ExactMatch("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("name_key", "birth_year"),
            block_on("first_word", "dob"),
            block_on("last_word", "dob"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run(source: Path, output: Path) -> None:
    prepared = output.with_suffix(".splink-input.csv")
    prepared_csv(source, prepared)
    connection = duckdb.connect()
    connection.execute(
        f"CREATE TABLE requests AS SELECT * FROM read_csv('{prepared}', header=true, all_varchar=true)"  # noqa: S608
    )
    for column in FEATURE_COLUMNS:
        connection.execute(f"UPDATE requests SET {column} = NULL WHERE {column} = ''")  # noqa: S608
    db_api = DuckDBAPI(connection=connection)
    table = db_api.register("requests")
    linker = Linker(table, settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "dob"), block_on("phone", "name_key")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=CLUSTER_THRESHOLD
    )
    connection.execute(
        f"COPY (SELECT unique_id AS id, cluster_id AS cluster FROM {clusters.physical_name}) TO '{output}' (HEADER)"  # noqa: S608
    )
    prepared.unlink()


if __name__ == "__main__":
    started = time.perf_counter()
    run(Path(sys.argv[1]), Path(sys.argv[2]))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": 0, "seconds": seconds, "peak_mib": peak_kib / 1024}))
