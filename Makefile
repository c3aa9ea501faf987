# Rempart — two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
SHELL := /bin/bash
# The interpreter the venv is made from: Debian's /usr/bin/python3 when it is 3.11 or newer and can make
# venvs (built with PGO and LTO, libpython linked in: the scan runs ~20-30 % faster than on a default pyenv or
# source build, which has neither; bench/results/interpreters.md), else the first python3 on PATH.
# `make PYTHON=/path/to/python3 ...` chooses another.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(or $(shell for p in /usr/bin/python3 python3; do $$p -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done),python3)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CORPUS ?= ../shared/corpus

# PostgreSQL tests run when a server answers on 127.0.0.1:5432 (CI and dev machines provide one).
PG_URL := $(shell $(PYTHON) -c "import socket;s=socket.socket();s.settimeout(0.5);print('postgresql+psycopg://postgres@127.0.0.1:5432/test' if s.connect_ex(('127.0.0.1',5432))==0 else '')" 2>/dev/null)

.PHONY: demo test test-deps lint fuzz bench eval eval-fr train install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "== Rempart scans the bundled sample mails (examples/mail) for the fictional company in examples/rempart.toml =="
	@$(BIN)/rempart scan --config examples/rempart.toml examples/mail; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	@echo "== The same vendor-fraud message, explained in French =="
	@$(BIN)/rempart scan --config examples/rempart.toml --lang fr examples/mail/vendor-bank-change.eml; rc=$$?; [ $$rc -le 1 ] || exit $$rc

# Real servers the tests drive (Dovecot for IMAP, Debian's Chromium for the console) come from Debian's
# packages: each scripts/ensure-*.sh installs its own where missing and is a no-op otherwise.
test-deps:
	@for s in scripts/ensure-*.sh; do [ -f "$$s" ] && bash "$$s" || true; done

test: $(STAMP) test-deps
	# two workers: the suite is CPU-bound and CI has two cores (4 min 37 s instead of 8 min)
	REMPART_TEST_DATABASE_URL="$${REMPART_TEST_DATABASE_URL:-$(PG_URL)}" $(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check rempart tests bench
	$(BIN)/mypy rempart

fuzz: $(STAMP)
	$(BIN)/python fuzz/fuzz_parser.py -max_total_time=60 tests/messages/parsing

bench: $(STAMP)
	$(BIN)/python bench/throughput.py --corpus $(CORPUS)/dev

eval: $(STAMP)
	$(BIN)/rempart eval --labels $(CORPUS)/labels.csv

eval-fr: $(STAMP)
	$(BIN)/rempart eval $(foreach f,$(wildcard bench/corpus-fr/*/labels.csv),--labels $(f))

# Retrain the shipped model (about 5 minutes on 2 cores): the dev corpus, the French bench's train halves and the
# blind-probe rounds written for the project; the model card records the data, the seed and the cross-validation.
TRAIN_LABELS = $(CORPUS)/labels.csv $(sort $(wildcard bench/corpus-fr/*/labels.csv)) \
	$(sort $(wildcard tests/messages/probes-blind-*/labels.csv))

train: $(STAMP)
	$(BIN)/rempart train $(foreach f,$(TRAIN_LABELS),--labels $(f)) --out rempart/model/artifact --seed 0

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
