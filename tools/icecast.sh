#!/usr/bin/env bash
# A private Icecast server on loopback for the relay tests (Debian icecast2): it stands in for
# the upstream radio (fed by ffmpeg) and takes the station's published output.
#
#   tools/icecast.sh start [DIR]   start it (idempotent), print the lines to export
#   tools/icecast.sh stop  [DIR]   stop it
#
# DIR defaults to $LOA_ICECAST_DIR or /tmp/loa-icecast; the port is picked free on the first
# start and kept in DIR/port. Icecast refuses to run as root unless its config changes owner:
# as root it runs as nobody (<changeowner>), so DIR is made writable for nobody.
set -euo pipefail

cmd="${1:-start}"
dir="${2:-${LOA_ICECAST_DIR:-/tmp/loa-icecast}}"
password="${LOA_ICECAST_PASSWORD:-loa-source}"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

answers() {
    [ -f "$dir/port" ] && curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$(cat "$dir/port")/status-json.xsl"
}

print_env() {
    echo "export LOA_TEST_ICECAST_URL=http://source:$password@127.0.0.1:$(cat "$dir/port")"
    echo "export LOA_ICECAST_DIR=$dir"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    command -v icecast2 >/dev/null || { echo "icecast2 is not installed (apt-get install icecast2)" >&2; exit 3; }
    if answers; then print_env; return 0; fi
    [ -f "$dir/port" ] || free_port >"$dir/port"
    port="$(cat "$dir/port")"
    owner=""
    if [ "$(id -u)" = 0 ]; then
        owner="<security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>"
        chown nobody:nogroup "$dir"
    fi
    cat >"$dir/icecast.xml" <<XML
<icecast>
  <location>loa-test</location><admin>loa@localhost</admin>
  <limits><clients>100</clients><sources>20</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>3</source-timeout><burst-on-connect>1</burst-on-connect>
    <burst-size>16384</burst-size></limits>
  <authentication><source-password>$password</source-password>
    <relay-password>$password</relay-password>
    <admin-user>admin</admin-user><admin-password>$password</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>$port</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>$dir</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>$dir/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  $owner
</icecast>
XML
    icecast2 -b -c "$dir/icecast.xml" >>"$dir/start.log" 2>&1 || {
        echo "icecast2 failed to start; see $dir/start.log and $dir/error.log" >&2
        tail -n 20 "$dir/start.log" "$dir/error.log" >&2 2>/dev/null || true
        exit 4
    }
    for _ in $(seq 1 100); do
        if answers; then print_env; return 0; fi
        sleep 0.05
    done
    echo "icecast2 started but does not answer on port $port; see $dir/error.log" >&2
    exit 5
}

stop() {
    if [ -f "$dir/icecast.pid" ]; then
        kill "$(cat "$dir/icecast.pid")" 2>/dev/null || true
        rm -f "$dir/icecast.pid"
    fi
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 {start|stop} [DIR]" >&2; exit 2 ;;
esac
