# Two commands for a newcomer on a fresh Debian machine: `make run` and `make test`.
# Everything they need (Debian packages, the virtualenv, Python packages) is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOHOA_HOME ?= $(CURDIR)/var
export SOHOA_HOME
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# OCR engine + Vietnamese model, a Times-metric serif with Vietnamese glyphs for the sample pages, and
# qpdf, which assembles searchable PDFs page by page from disk (flat memory on 500-page scans).
# tesserocr (tesseract in-process) is built against Debian's libtesseract, so the pipeline reads
# exactly as the `tesseract` command does: its wheel bundles another tesseract build that misreads
# tone marks a little more often on clean pages. Building needs the headers and a compiler.
# FreeMono and Noto Sans Mono: monospace faces with Vietnamese, for the OCR benchmark's typed pages.
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie fonts-liberation2 qpdf libtesseract-dev libleptonica-dev pkg-config g++ \
	fonts-freefont-ttf fonts-noto-mono
# The PostgreSQL tests use a running server when one answers, else start a throwaway one of their own.
TEST_APT_PACKAGES := postgresql
# The engine test's Celery broker: the Redis answering at SOHOA_TEST_REDIS_URL, else Debian's, started here.
REDIS_APT_PACKAGES := redis-server
SOHOA_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export SOHOA_TEST_REDIS_URL
# Browser tests drive Debian's headless Chromium with Playwright (Playwright's own browser download is
# not used: it needs network access to a CDN).
BROWSER_APT_PACKAGES := chromium
SOHOA_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export SOHOA_TEST_DATABASE_URL

.PHONY: run test engine-test setup system-packages test-services redis lint samples clean

run: setup
	@if [ ! -f "$(SOHOA_HOME)/inbox/manifest.csv" ] && [ ! -f "$(SOHOA_HOME)/inbox/manifest.json" ]; then \
		$(VENV)/bin/sohoa samples "$(SOHOA_HOME)/inbox"; fi
	$(VENV)/bin/sohoa run "$(SOHOA_HOME)/inbox"

test: setup test-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory engine-test

# A real Airflow deployment (scheduler, dag-processor, api-server, triggerer, two Celery workers on
# Redis, PostgreSQL, an S3 server): one worker is SIGKILLed mid-batch and the store cut off for 30 s.
engine-test: setup test-services redis
	$(PY) -m tests.engine.run

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "Cài gói Debian / installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-binary tesserocr -e '.[dev]'
	@touch $@

test-services:
	@if ! $(PY) -c "import os, psycopg; psycopg.connect(os.environ['SOHOA_TEST_DATABASE_URL'], connect_timeout=3).close()" 2>/dev/null \
		&& ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Không có PostgreSQL / no PostgreSQL server answers: installing Debian's postgresql for a throwaway test server"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_APT_PACKAGES); \
	fi
	@missing=""; for p in $(BROWSER_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Cài trình duyệt cho kiểm thử / installing Debian packages for browser tests:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

redis:
	@if ! $(PY) -c "import os, redis; redis.Redis.from_url(os.environ['SOHOA_TEST_REDIS_URL'], socket_connect_timeout=3).ping()" 2>/dev/null; then \
		if ! command -v redis-server >/dev/null; then \
			echo "Không có Redis / no Redis answers: installing Debian's redis-server"; \
			$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(REDIS_APT_PACKAGES); \
		fi; \
		$(PY) -c "import os, redis; redis.Redis.from_url(os.environ['SOHOA_TEST_REDIS_URL'], socket_connect_timeout=3).ping()" 2>/dev/null \
			|| redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

samples: setup
	$(VENV)/bin/sohoa samples "$(SOHOA_HOME)/inbox"

clean:
	rm -rf "$(SOHOA_HOME)"
