# Loa: `make run` runs the station, `make test` runs the checks. Each sets up what it needs
# on a fresh Debian machine: the Debian packages, a virtual environment, the project in it.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEB_PACKAGES := espeak-ng ffmpeg libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins \
	postgresql chromium mosquitto
STAMP := $(VENV)/.installed

.PHONY: run test deps venv lint typecheck pytest bench clean-cache

run: deps $(STAMP)
	$(BIN)/broadcast serve

test: deps $(STAMP) lint typecheck pytest

# Debian packages: installed only when one is missing, so a ready machine pays nothing.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check broadcast api tests bench tools
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --config-file pyproject.toml broadcast api

# The test services (virtual loudspeaker, PostgreSQL) are started by tools/test-services.sh;
# the fixtures check them and fail loudly when they are not there.
pytest: $(STAMP)
	source <(tools/test-services.sh start) && $(BIN)/pytest -q $(PYTEST_ARGS)

bench: deps $(STAMP)
	source <(tools/test-services.sh start) && for b in bench/*.py; do $(BIN)/python $$b; done

clean-cache: $(STAMP)
	$(BIN)/broadcast cache prune --older-than 0d
