#!/usr/bin/env bash
# The test suite, in one pytest process. Panes and viewers release their threads, players
# and audio devices when closed (pytest-qt closes every widget a test added), so nothing
# Qt made in one test outlives it.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of words
exec .venv/bin/python -m pytest -q ${PYTEST_ARGS:-}
