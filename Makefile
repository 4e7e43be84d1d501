# The two commands of the README:
#   make run   - the portal on embedded defaults (SQLite, eager tasks, console email, sandbox payments)
#   make test  - lint, migration and deploy checks, and the whole test suite on Postgres and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/eirc
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

.PHONY: run test lint check-deploy venv venv-dev clean bench worker beat

$(VENV)/.run-installed: requirements.txt
	@scripts/ensure-debian-packages run
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	@scripts/ensure-debian-packages test
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV)/.run-installed $@

venv: $(VENV)/.run-installed
venv-dev: $(VENV)/.dev-installed

run: venv
	@mkdir -p var
	@env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_URL $(PY) manage.py migrate --noinput -v 0
	@env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_URL $(PY) manage.py seed_demo --if-empty
	@echo "Портал: http://127.0.0.1:$(PORT)/  (остановить: Ctrl+C)"
	@env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_URL $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Production variables for the deploy check: nothing here is a real secret.
PROD_ENV := DEBUG=false SECRET_KEY=ci-$$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 60) \
	ALLOWED_HOSTS=lk.sev-eirc.ru SITE_URL=https://lk.sev-eirc.ru \
	PAYMENT_PROVIDER=payments.providers.yookassa.YooKassaProvider \
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST)

check-deploy: venv-dev
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING

test: venv-dev
	@DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) scripts/check-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) $(VENV)/bin/pytest $(PYTEST_ARGS)

worker: venv
	$(VENV)/bin/celery -A eirc worker -l info

beat: venv
	$(VENV)/bin/celery -A eirc beat -l info

clean:
	rm -rf var/eirc.sqlite3 var/media var/private var/static
