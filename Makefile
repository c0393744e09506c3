# Corridor: `make run` serves the demo, `make test` runs every check. Both set up what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_NO_PROGRESS := 1

.PHONY: venv run test check lint types migrations-check pytest bench bench-cases bench-board bench-home bench-linkage bench-intake bench-flood bench-bombs bench-fuzz-intake bench-triage bench-index bench-lockdown bench-faults bench-backup bench-evidence lock messages demo browser-deps clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --require-hashes -r requirements/uv.txt

$(BIN)/.synced-dev: requirements/dev.txt pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.synced-dev

messages: venv
	cd corridor && ../$(BIN)/python ../manage.py compilemessages --verbosity 0

demo: venv messages
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py demo_setup

# The worker (overdue tasks, missed check-ins, idle sessions) runs beside the server under a
# restart loop (deploy/supervise.sh: started again 5 s after it exits) and stops with it.
run: demo
	deploy/supervise.sh -d 5 $(BIN)/python manage.py work --interval 60 & supervisor=$$!; \
	trap 'kill $$supervisor 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver --insecure 127.0.0.1:8000

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: venv
	$(BIN)/mypy corridor

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# Debian's chromium for the browser tests; minisign and age, the stock tools a recipient of an
# evidence package or an export has, for the tests that check our artefacts with them.
browser-deps:
	@missing=""; for pair in chromium:chromium minisign:minisign age:age; do \
	  test -x /usr/bin/$${pair%%:*} || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

pytest: venv messages browser-deps
	$(BIN)/pytest

test: lint types migrations-check pytest

bench: venv
	$(BIN)/python bench/vault_bench.py

bench-cases: venv
	$(BIN)/python bench/cases_bench.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-board: venv
	$(BIN)/python bench/board_bench.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-home: venv
	$(BIN)/python bench/home_bench.py --database-url postgres://postgres@127.0.0.1:5432/test

$(BIN)/.synced-bench: requirements/bench.txt $(BIN)/.synced-dev
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements/bench.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

bench-linkage: $(BIN)/.synced-bench
	$(BIN)/python bench/linkage/run.py

bench-intake: venv
	$(BIN)/python bench/intake_load.py

bench-flood: venv
	$(BIN)/python bench/intake_flood.py

bench-bombs: venv
	$(BIN)/python bench/intake_bombs.py

bench-fuzz-intake: venv
	$(BIN)/pytest bench/fuzz_intake.py -q -s -p no:cacheprovider

bench-triage: venv
	$(BIN)/python bench/triage_inbox.py
	$(BIN)/python bench/triage_inbox.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-index: venv
	$(BIN)/python bench/index_rebuild.py
	$(BIN)/python bench/index_rebuild.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-backup: venv
	$(BIN)/python bench/backup_bench.py
	$(BIN)/python bench/backup_bench.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-evidence: venv
	$(BIN)/python bench/evidence_export.py

bench-lockdown: venv
	$(BIN)/python bench/lockdown.py
	$(BIN)/python bench/lockdown.py --database-url postgres://postgres@127.0.0.1:5432/test

bench-faults: venv
	$(BIN)/python bench/worker_faults.py --database-url postgres://postgres@127.0.0.1:5432/test

lock: | $(UV)
	$(UV) pip compile -q requirements/uv.in --generate-hashes --python-version 3.11 -o requirements/uv.txt
	$(UV) pip compile -q pyproject.toml --generate-hashes --python-version 3.11 -o requirements/main.txt
	$(UV) pip compile -q pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements/dev.txt
	$(UV) pip compile -q pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 -o requirements/bench.txt

clean:
	rm -rf $(VENV) .tools var/demo
