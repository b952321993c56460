# Loa: `make run` runs the station, `make test` runs the checks. Each sets up what it needs
# on a fresh Debian machine: the Debian packages, a virtual environment, the project in it.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What the station itself needs; the tests need more (the virtual loudspeaker, PostgreSQL,
# Chromium, a systemd container, Icecast and Mosquitto), and these are not installed on a
# station by `make run`: a desktop's own sound server stays, no broker or streaming server
# is started where there are no clusters and no relay.
STATION_PACKAGES := espeak-ng ffmpeg libportaudio2 libasound2-plugins python3-venv
TEST_PACKAGES := $(STATION_PACKAGES) pulseaudio pulseaudio-utils postgresql chromium systemd \
	systemd-container openssl icecast2 mosquitto
STAMP := $(VENV)/.installed

PHONY_DEPS := station-deps test-deps
.PHONY: run test $(PHONY_DEPS) venv lint typecheck pytest bench mutation clean-cache install \
	uninstall

run: station-deps $(STAMP)
	$(BIN)/broadcast serve

test: test-deps $(STAMP) lint typecheck pytest

# The station as a systemd service (README, "Installing on the station's PC"). Run again
# after `git pull` to update: it backs the data up, then restarts on the new version.
# Options go to `broadcast install`, e.g. make install INSTALL_ARGS="--host 0.0.0.0".
install: station-deps $(STAMP)
	$(SUDO) $(BIN)/broadcast install $(INSTALL_ARGS)

uninstall: $(STAMP)
	$(SUDO) $(BIN)/broadcast install --remove $(INSTALL_ARGS)

# Debian packages: installed only when one is missing, so a ready machine pays nothing.
station-deps: DEB_PACKAGES = $(STATION_PACKAGES)
test-deps: DEB_PACKAGES = $(TEST_PACKAGES)
$(PHONY_DEPS):
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
# Two pytest processes: the on-air tests one at a time (see tests/conftest.py) beside the rest.
pytest: $(STAMP)
	source <(tools/test-services.sh start) && tools/run-tests.sh $(BIN)/pytest $(PYTEST_ARGS)

bench: test-deps $(STAMP)
	source <(tools/test-services.sh start) && for b in bench/*.py; do $(BIN)/python $$b; done

# Mutation testing of the pure core (tools/mutation/run.py): do the tests catch small bugs in
# broadcast/scheduling/ and broadcast/text/? Slow, so not part of `make test`. Runs at low
# priority; e.g. MUTATION_ARGS="--only conflicts --module-minutes 10 --jobs 1".
mutation: $(STAMP)
	nice -n 19 $(BIN)/python tools/mutation/run.py $(MUTATION_ARGS)

clean-cache: $(STAMP)
	$(BIN)/broadcast cache prune --older-than 0d
