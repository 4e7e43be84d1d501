# The two commands of the README:
#   make run   - the portal on embedded defaults (SQLite, eager tasks, console email, sandbox payments)
#   make test  - service check, lint, migration and deploy checks, the whole test suite on Postgres and Redis,
#                and the production smoke (make prod-smoke)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# make test reads DATABASE_URL / REDIS_URL (or the *_TEST variants, which win),
# defaulting to the local servers. pytest-django creates its own test_<name>
# database next to the named one, so the named database itself is not touched.
DATABASE_URL_TEST ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/eirc)
REDIS_URL_TEST ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)

# make run ignores the production variables of the shell: it is the embedded default.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_URL -u DEBUG -u PAYMENT_PROVIDER

# The checks of make test run one after another, even under make -j.
.NOTPARALLEL:

.PHONY: run test lint check-services check-migrations check-deploy pytest prod-smoke venv venv-dev clean worker beat

$(VENV)/.run-installed: requirements.txt
	@scripts/ensure-debian-packages run
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

# axe-core for the browser tests: the exact version of eirc/tests/a11y/package-lock.json (never a CDN).
AXE_DIR := eirc/tests/a11y

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(AXE_DIR)/package-lock.json
	@scripts/ensure-debian-packages test
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@cd $(AXE_DIR) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	@touch $(VENV)/.run-installed $@

venv: $(VENV)/.run-installed
venv-dev: $(VENV)/.dev-installed

# PORT goes to the processes too: without SITE_URL, the settings build links
# (emails, the sandbox's return address) on the port actually served.
run: venv
	@mkdir -p var
	@$(EMBEDDED) PORT=$(PORT) $(PY) manage.py migrate --noinput -v 0
	@$(EMBEDDED) PORT=$(PORT) $(PY) manage.py seed_demo --if-empty
	@echo "Портал: http://127.0.0.1:$(PORT)/   администрирование: http://127.0.0.1:$(PORT)/admin/   (остановить: Ctrl+C)"
	@$(EMBEDDED) PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production variables for the deploy check: nothing here is a real secret.
PROD_ENV := DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=lk.sev-eirc.ru SITE_URL=https://lk.sev-eirc.ru \
	PAYMENT_PROVIDER=payments.providers.yookassa.YooKassaProvider TRUSTED_PROXIES=127.0.0.1 \
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST)

check-services: venv-dev
	@DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) scripts/check-services

# ruff, then the one-way layers between the apps (import-linter, contracts in
# pyproject.toml: a violation prints the offending import chain), then no
# module over 600 lines.
lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	scripts/check-module-size

# An in-memory SQLite database: the check must not depend on (or touch) var/.
check-migrations: venv-dev
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

check-deploy: venv-dev
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING

# pytest's exit code 5 means it collected no tests: that is a failure, said aloud.
pytest: venv-dev
	@DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) $(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests — failing." >&2; fi; exit $$rc

# The production process set as a whole (scripts/prod_smoke, docs/deploy.md):
# a venv from requirements.txt alone (cached under var/prod-venv/), a fresh
# database on the server of DATABASE_URL_TEST, its own redis-server, gunicorn,
# worker and beat from deploy/systemd/, nginx with deploy/nginx/; a resident's
# month through nginx, then a beat restarted twice, a Redis outage and a worker
# killed mid-batch. One line at the end; everything it started is stopped.
prod-smoke: venv-dev
	@DATABASE_URL_TEST=$(DATABASE_URL_TEST) $(PY) scripts/prod_smoke

# In this order; the first failure stops the run.
test: venv-dev
	@$(MAKE) --no-print-directory check-services lint check-migrations check-deploy pytest prod-smoke

worker: venv
	$(VENV)/bin/celery -A eirc worker -l info

beat: venv
	$(VENV)/bin/celery -A eirc beat -l info

clean:
	rm -rf var/eirc.sqlite3 var/media var/private var/static
