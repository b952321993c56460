#!/usr/bin/env bash
# Start the services the test suite uses and print the environment lines to source:
#   source <(tools/test-services.sh start)
# - the virtual loudspeaker (private PulseAudio server, null sink loa_xa) for the sound path;
# - a private PostgreSQL server for the store tests;
# - a private Icecast server on loopback for the relay tests (tools/icecast.sh).
# - a private Mosquitto broker on loopback (speaker clusters; tests that kill it start their own).
# All are idempotent: a running service is reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

case "${1:-start}" in
    start)
        "$here/virtual-speaker.sh" start
        url="$("$here/start-postgres.sh" | tail -n 1)"
        echo "export LOA_TEST_POSTGRES_URL=$url"
        "$here/icecast.sh" start
        "$here/start-mosquitto.sh" start
        ;;
    stop)
        "$here/virtual-speaker.sh" stop
        "$here/icecast.sh" stop
        "$here/start-mosquitto.sh" stop
        ;;
    *)
        echo "usage: $0 {start|stop}" >&2
        exit 2
        ;;
esac
