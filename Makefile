# Fresh clone to a running app: `make run`. The whole test suite: `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export DEBUG ?= 1
PORT ?= 8000

.PHONY: run test install migrate demo lint check-migrations bench bench-abuse bench-scale clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py loaddemo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/suivi.py
	$(PY) bench/pdf.py
	$(PY) bench/docx_import.py

# Crafted inputs against gunicorn (issue 14), a few minutes; DATABASE_URL=… for a throwaway PostgreSQL.
bench-abuse: install
	$(PY) bench/abuse.py

# National dataset on a throwaway PostgreSQL (DATABASE_URL=…, emptied first), then p50/p95 under load.
bench-scale: install
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles var
