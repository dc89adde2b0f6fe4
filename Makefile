# One entry point for humans and CI. `make run` sets up .venv (kernel + every plugin of this
# checkout) and runs the main job; `make test` runs the whole test suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
SHARED ?= ../shared
JAM_TEST_VECTORS ?= $(CURDIR)/.jam-vectors
export JAM_TEST_VECTORS

# The ring-VRF SRS (public Zcash powers-of-tau parameters) ships as kernel package data; it is
# copied from ../shared at install time and never committed.
SRS_SRC := $(SHARED)/jam-test-vectors/stf/safrole/zcash-srs-2-11-uncompressed.bin
SRS_PKG := core/jamliquor/data/zcash-srs-2-11-uncompressed.bin

.PHONY: install vectors run test
install: $(SRS_PKG) $(VENV)/.installed
$(SRS_PKG):
	@if [ -f $(SRS_SRC) ]; then install -m 644 $(SRS_SRC) $@; else echo "note: $(SRS_SRC) missing: set JAM_RING_SRS for Safrole"; fi
# A plugin's setup.py builds its C extension (e.g. the compiled PVM) into the source tree.
$(VENV)/.installed: pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS)) $(wildcard plugins/*/setup.py plugins/*/*/*.c)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]' $(addprefix -e ./,$(PLUGINS))
	touch $@

vectors:
	@if [ -x $(SHARED)/tools/unpack-vectors ] && [ "$(JAM_TEST_VECTORS)" = "$(CURDIR)/.jam-vectors" ]; then \
		$(SHARED)/tools/unpack-vectors $(JAM_TEST_VECTORS) >/dev/null; fi

run: install vectors
	$(VENV)/bin/jamliquor --version
	$(VENV)/bin/jamliquor plugins list
	rm -rf .run/testnet
	$(VENV)/bin/jamliquor testnet --validators 6 --slots 48 --slot-seconds 1 --data-dir .run/testnet

test: install vectors
	$(PY) -m pytest $(PYTEST_ARGS)
