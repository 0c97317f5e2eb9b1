#!/usr/bin/env bash
# The test suite, in one pytest process. Panes and viewers release their threads, players
# and audio devices when closed (pytest-qt closes every widget a test added), so nothing
# Qt made in one test outlives it.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
# A test that fails is run once more (shown as R and "N rerun" in the summary): timing under a loaded
# machine, not a wrong result, is what made the few such failures seen; a second failure fails the run.
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of words
# The frozen bundle's tests (marked "bundle") build it first: they run in `make test-bundle`.
exec .venv/bin/python -m pytest -q --reruns 1 -m "${PYTEST_MARK:-not bundle}" ${PYTEST_ARGS:-}
