#!/usr/bin/env bash
# The test suite on the machine's two cores: first the on-air tests marked `alone` (the
# speaker clusters: many audio processes at once), with nothing beside them; then the other
# on-air tests (tests/conftest.py) one at a time in one pytest process, everything else in a
# second one beside it; each one's report is printed when both are done. Arguments go to all
# (e.g. a folder, -k, -x).
# Usage: tools/run-tests.sh PYTEST [ARGS...]   (the test services must be running)
set -uo pipefail
pytest=$1
shift
logs=$(mktemp -d)
echo "=== the on-air tests that run alone"
"$pytest" -q -p no:cacheprovider -m "on_air and alone" "$@"
alone_rc=$?
"$pytest" -q -p no:cacheprovider -m "on_air and not alone" "$@" >"$logs/on-air.log" 2>&1 &
on_air=$!
# At a lower priority: the on-air tests measure real time (onsets, dropouts, what a listener
# hears) and must not wait for the CPU behind the others.
nice -n 15 "$pytest" -q -m "not on_air" "$@" >"$logs/rest.log" 2>&1 &
rest=$!
wait "$on_air"; on_air_rc=$?
wait "$rest"; rest_rc=$?
echo "=== the on-air tests, one at a time"
cat "$logs/on-air.log"
echo "=== everything else"
cat "$logs/rest.log"
rm -rf "$logs"
# 5: that half had no test to run (a selection inside the other half).
ok() { [ "$1" -eq 0 ] || [ "$1" -eq 5 ]; }
if ok "$alone_rc" && ok "$on_air_rc" && ok "$rest_rc" \
    && ! { [ "$alone_rc" -eq 5 ] && [ "$on_air_rc" -eq 5 ] && [ "$rest_rc" -eq 5 ]; }; then
    exit 0
fi
exit 1
