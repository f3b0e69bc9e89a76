# Developer and CI entry points. `make run` is the one command a newcomer needs.
SHELL := /bin/sh
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# pytest-xdist workers (each with its own test database and Redis database); 0 runs serially.
TEST_WORKERS ?= 3
BENCH_ARGS ?=

.PHONY: help venv run test lint typecheck bench vendor load

help:
	@echo "make run    set up .venv and secrets, migrate, load demo data, serve on 127.0.0.1:PORT (default 8000)"
	@echo "           with the Vonage sandbox and its browser phone on http://127.0.0.1:8090/ (SANDBOX=0: without)"
	@echo "make test   run the test suite on TEST_WORKERS (default 3) processes (PYTEST_ARGS=... passes options to pytest)"
	@echo "make lint   ruff check, ruff format --check, import-linter (the apps' import order), mypy"
	@echo "make typecheck  mypy alone"
	@echo "make bench  run bench/webhooks.py (BENCH_ARGS=... passes options to it)"
	@echo "make load   one load run on the production layout (gunicorn, uvicorn, Celery worker and beat,"
	@echo "           the sandbox) on DATABASE_URL (PostgreSQL) and REDIS_URL: LOAD_ARGS=\"--rate 200/h ...\""
	@echo "make venv   create .venv and install requirements-dev.txt"
	@echo "make vendor  copy the pinned front-end libraries of package.json into static/vendor/ (needs npm)"

venv: $(STAMP)

# Re-installs only when a requirements file is newer than the stamp.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# .local.env holds lines like `: "$${SECRET_KEY:=...}"; export SECRET_KEY`, so sourcing
# it keeps every variable the caller already set; DEBUG and PUBLIC_URL get defaults too.
# The Vonage sandbox (sandbox/) runs beside the app and the app's Vonage client talks to it,
# unless SANDBOX=0 or VONAGE_API_HOST is already set; it is stopped when the app stops.
# $(RUN_ENV) says where this run serves, for send_webhook, sandbox_call and sandbox_load in
# another terminal (callcentre/management/run_env.py); it is removed when the app stops.
# The login banner is printed once the servers listen, after their start-up lines.
RUN_ENV = $${VAR_DIR:-var}/run.env
run: venv
	@$(VENV_PY) scripts/local_env.py
	@. ./.local.env && \
	: "$${DEBUG:=1}" && export DEBUG && \
	: "$${PUBLIC_URL:=http://127.0.0.1:$${PORT:-8000}}" && export PUBLIC_URL && \
	if [ "$${SANDBOX:-1}" != 0 ] && [ -z "$${VONAGE_API_HOST:-}" ]; then \
	  VONAGE_API_HOST="127.0.0.1:$${SANDBOX_PORT:-8443}" && \
	  VONAGE_REST_HOST="$$VONAGE_API_HOST" && \
	  REQUESTS_CA_BUNDLE="$${SANDBOX_DIR:-$${VAR_DIR:-$$PWD/var}/sandbox}/ca-bundle.pem" && \
	  export VONAGE_API_HOST VONAGE_REST_HOST REQUESTS_CA_BUNDLE && with_sandbox=1; \
	fi && \
	if [ -n "$${with_sandbox:-}" ] && ! command -v espeak-ng >/dev/null 2>&1; then \
	  echo "espeak-ng is not installed: the sandbox's calls carry no sound, so live transcription is off (apt-get install espeak-ng; see README)." >&2; \
	  : "$${SPEECH_ENGINE:=off}"; export SPEECH_ENGINE; \
	fi && \
	: "$${EMBEDDED_BEAT:=1}" && export EMBEDDED_BEAT && \
	$(VENV_PY) manage.py migrate --noinput && \
	banner="$$($(VENV_PY) manage.py load_demo)" && \
	listening="127.0.0.1:$${PORT:-8000}" && \
	mkdir -p "$${VAR_DIR:-var}" && \
	{ echo "# Where \`make run\` serves; removed when it stops."; \
	  echo "PORT=$${PORT:-8000}"; echo "PUBLIC_URL=$$PUBLIC_URL"; } > "$(RUN_ENV)" && \
	if [ -n "$${with_sandbox:-}" ]; then \
	  sandbox_control="$${SANDBOX_HOST:-127.0.0.1}:$${SANDBOX_CONTROL_PORT:-8090}" && \
	  listening="$$listening $$sandbox_control" && \
	  banner="$$banner$$(printf '\nPhone (the sandbox): http://%s/' "$$sandbox_control")" && \
	  { echo "SANDBOX_HOST=$${SANDBOX_HOST:-127.0.0.1}"; \
	    echo "SANDBOX_PORT=$${SANDBOX_PORT:-8443}"; \
	    echo "SANDBOX_CONTROL_PORT=$${SANDBOX_CONTROL_PORT:-8090}"; } >> "$(RUN_ENV)"; \
	fi && \
	trap 'rm -f "$(RUN_ENV)"; kill $$sandbox_pid $$banner_pid 2>/dev/null' EXIT INT TERM && \
	if [ -n "$${with_sandbox:-}" ]; then \
	  $(VENV_PY) manage.py run_sandbox & sandbox_pid=$$!; \
	fi; \
	printf '\n%s\n' "$$banner" | $(VENV_PY) scripts/when_listening.py $$listening & banner_pid=$$!; \
	$(VENV_PY) manage.py runserver 127.0.0.1:$${PORT:-8000}

test: venv
	$(VENV_PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Every check runs even when an earlier one fails; the target fails if any did.
# mypy's settings (what it checks, how strictly) are in pyproject.toml.
lint: venv
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	$(VENV)/bin/lint-imports || status=1; \
	$(VENV)/bin/mypy || status=1; \
	exit $$status

typecheck: venv
	$(VENV)/bin/mypy

bench: venv
	$(VENV_PY) bench/webhooks.py $(BENCH_ARGS)

# The front-end libraries (package.json, exact versions) are committed under static/vendor/;
# this refreshes them from the npm registry after a version change. Nothing loads from a CDN.
vendor:
	sh scripts/vendor_static.sh

# scripts/load_run.sh starts everything, runs `manage.py sandbox_load $(LOAD_ARGS)`, prints the
# report and stops everything (docs/sandbox.md, "Load mode"; figures in docs/benchmarks.md).
LOAD_ARGS ?=
load: venv
	sh scripts/load_run.sh $(LOAD_ARGS)
