# Two commands: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test test-bundle bench bundle package clean

setup:
	@scripts/bootstrap.sh

run: setup
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
		echo "lectern: no display found - starting under Xvfb (a virtual screen)"; \
		QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x850x24" $(PY) -m desktop $(ARGS); \
	else \
		$(PY) -m desktop $(ARGS); \
	fi

test: setup
	PYTEST_ARGS="$(PYTEST_ARGS)" scripts/run_tests.sh

# Builds the bundle and proves it: frozen self-test offline, window, install and uninstall.
test-bundle: setup
	PYTEST_MARK=bundle PYTEST_ARGS="$(PYTEST_ARGS) tests/packaging" scripts/run_tests.sh

bench: setup
	$(PY) -m bench.run_all $(ARGS)

bundle: setup
	$(PY) -m PyInstaller --noconfirm --clean packaging/lectern.spec

# The archive a student downloads: the bundle with install/uninstall scripts and a menu entry.
package: bundle
	$(PY) packaging/make_tarball.py

clean:
	rm -rf build dist .pytest_cache
