# Rumah Kemasan: `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test fuzz lint format translations extract bench load clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d rumah_kemasan/translations -f --statistics 2>&1 | tail -n 2

run: translations
	FLASK_CONFIG=development $(BIN)/flask db upgrade
	FLASK_CONFIG=development $(BIN)/flask data load
	FLASK_CONFIG=development $(BIN)/flask seed demo --if-empty
	FLASK_CONFIG=development $(BIN)/flask run --host 127.0.0.1 --port 5000 --no-debugger --no-reload

test: translations
	$(BIN)/pytest $(PYTEST_ARGS)

# Longer property-based fuzzing of every route, role, form field and query parameter (the
# suite runs a short derandomized pass): a random seed each run, FUZZ_EXAMPLES per database.
# Set TEST_DATABASE_URL to fuzz PostgreSQL too. See docs/input.md.
FUZZ_EXAMPLES ?= 2000
fuzz: translations
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/integration/test_fuzz.py -x -q $(PYTEST_ARGS)

# Lint, format, the import contracts (pyproject.toml, [tool.importlinter]) and the type checker
# (strict on the pure modules and permissions.py, basic elsewhere). .ci/run runs it.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the message catalogs after changing user-facing strings.
extract: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o rumah_kemasan/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i rumah_kemasan/translations/messages.pot -d rumah_kemasan/translations --no-fuzzy-matching --ignore-obsolete

# Performance benchmark: datasets of 1,000 and 1,000,000 requests, gunicorn in production
# config, a concurrent load generator; SQLite always, PostgreSQL when BENCH_POSTGRES_URL is set.
# Prints a table and writes bench/results/latest.json. BENCH_ARGS="--large 0" for a quick run.
bench: translations
	PYTHONPATH=. $(BIN)/python -m bench.run $(BENCH_ARGS)

# Load run: 50 simulated owners, staff and supervisors for 2 minutes against gunicorn (production
# config) and PostgreSQL (database rk_load, recreated; LOAD_DATABASE_URL to change), then
# consistency checks. Prints a table and writes bench/results/load.json. Not a test.
# LOAD_ARGS="--db sqlite --users 50 --duration 120" for the embedded default (instance/load.sqlite).
load: translations
	PYTHONPATH=. $(BIN)/python -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
