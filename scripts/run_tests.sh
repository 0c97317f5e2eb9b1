#!/usr/bin/env bash
# The test suite. The record-pane and transcript-viewer tests drive QtMultimedia while
# private PulseAudio servers come and go; they run one test per process so that Qt's
# process-wide audio state never outlives the test that made it.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
PY=.venv/bin/python
ISOLATED=(tests/ui/test_record_pane.py tests/ui/test_transcript_viewer.py)
ignores=()
for f in "${ISOLATED[@]}"; do ignores+=(--ignore="$f"); done
"$PY" -m pytest -q "${ignores[@]}" ${PYTEST_ARGS:-}
passed=0
failed=0
for t in $("$PY" -m pytest -q --collect-only "${ISOLATED[@]}" 2>/dev/null | grep '::'); do
  if "$PY" -m pytest -q -p no:cacheprovider "$t" >/tmp/lectern-test.$$ 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    grep -v '^ALSA' /tmp/lectern-test.$$ | tail -n 60
  fi
done
rm -f /tmp/lectern-test.$$
echo "isolated: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
