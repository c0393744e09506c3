"""The linkage engine: requests read into comparable values, compared, scored and clustered.

`READING_VERSION` names how this code reads names, phones, dates and handles into the values
Corridor stores as keyed hashes (blocking keys, duplicate and watch-list terms, case search
terms). A change that reads any value into another key raises it, and
`corridor/triage/tests/test_hashes_reading.py` fails until it is raised: hashes stored under
an older reading no longer meet the ones the new code computes, so each compartment records
the reading it was last built with (`Compartment.hashes_reading`) and its members are asked
to rebuild it (decision 0045).
"""

READING_VERSION = 2
