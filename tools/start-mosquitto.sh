#!/usr/bin/env bash
# A private Mosquitto broker on loopback for the tests and benchmarks (Debian `mosquitto`),
# with its own config, password file and ACL file in DIR:
#
#   tools/start-mosquitto.sh start [DIR] [PORT]   start it (idempotent), print the lines to export
#   tools/start-mosquitto.sh stop  [DIR]          stop it (SIGTERM; its pid is in DIR/mosquitto.pid)
#   tools/start-mosquitto.sh kill  [DIR]          kill -9 it (a broker that dies)
#
# DIR defaults to $LOA_MQTT_DIR or /tmp/loa-mosquitto-PORT; PORT to $LOA_MQTT_PORT or 18831.
# Nobody can connect until someone writes DIR/passwd and DIR/acl: a Loa station does (set
# BROADCAST_MQTT_PASSWORD_FILE=DIR/passwd, BROADCAST_MQTT_ACL_FILE=DIR/acl and
# BROADCAST_MQTT_RELOAD_COMMAND to the `reload` line printed below).
set -euo pipefail

cmd="${1:-start}"
port="${3:-${LOA_MQTT_PORT:-18831}}"
dir="${2:-${LOA_MQTT_DIR:-/tmp/loa-mosquitto-$port}}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pidfile="$dir/mosquitto.pid"

running() {
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

print_env() {
    local p
    p="$(sed -n 's/^listener \([0-9]*\).*/\1/p' "$dir/mosquitto.conf")"
    echo "export LOA_TEST_MQTT_URL=mqtt://127.0.0.1:$p"
    echo "export LOA_TEST_MQTT_DIR=$dir"
    echo "export LOA_TEST_MQTT_RELOAD='sh -c \"kill -HUP \$(cat $pidfile)\"'"
}

start() {
    command -v mosquitto >/dev/null || {
        echo "mosquitto is not installed (apt-get install mosquitto)" >&2; exit 3; }
    if running; then
        print_env
        return 0
    fi
    touch "$dir/passwd" "$dir/acl"
    cat >"$dir/mosquitto.conf" <<CONF
# Written by tools/start-mosquitto.sh: a private broker for Loa's tests.
listener $port 127.0.0.1
allow_anonymous false
password_file $dir/passwd
acl_file $dir/acl
persistence true
persistence_location $dir/
autosave_interval 1
pid_file $pidfile
log_dest file $dir/mosquitto.log
log_type error
log_type warning
log_type notice
max_queued_messages 10000
user root
CONF
    rm -f "$pidfile"
    mosquitto -c "$dir/mosquitto.conf" -d
    for _ in $(seq 1 100); do
        if running && answers "$port"; then
            print_env
            return 0
        fi
        sleep 0.05
    done
    echo "mosquitto did not start; see $dir/mosquitto.log" >&2
    tail -n 20 "$dir/mosquitto.log" >&2 2>/dev/null || true
    exit 4
}

stop() {
    local signal="$1"
    if running; then
        local pid
        pid="$(cat "$pidfile")"
        kill "-$signal" "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
    fi
    rm -f "$pidfile"
}

case "$cmd" in
    start) start ;;
    stop) stop TERM ;;
    kill) stop KILL ;;
    *) echo "usage: $0 {start|stop|kill} [DIR] [PORT]" >&2; exit 2 ;;
esac
