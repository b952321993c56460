#!/usr/bin/env bash
# The virtual loudspeaker: a private PulseAudio server with a null sink `loa_xa`, whose
# monitor (`loa_xa.monitor`) records exactly what the station played.
#
#   tools/virtual-speaker.sh start [DIR]   start it (idempotent), print the lines to export
#   tools/virtual-speaker.sh env   [DIR]   print the lines to export (server must be running)
#   tools/virtual-speaker.sh status [DIR]  exit 0 if it answers
#   tools/virtual-speaker.sh stop  [DIR]   stop it
#
# DIR defaults to $LOA_PULSE_DIR or /tmp/loa-pulse. Each DIR is an independent server
# (socket, runtime dir, pid file, log), so parallel test runs can use their own.
#   eval "$(tools/virtual-speaker.sh start)"
set -euo pipefail

cmd="${1:-start}"
dir="${2:-${LOA_PULSE_DIR:-/tmp/loa-pulse}}"
sink="${LOA_SINK_NAME:-loa_xa}"
rate="${LOA_SINK_RATE:-48000}"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
sock="$dir/pa.sock"

# PulseAudio keeps its runtime dir (pid file, lock) and state under XDG_RUNTIME_DIR/HOME;
# pointing both at DIR keeps this server apart from any other one, including as root.
export HOME="$dir" XDG_RUNTIME_DIR="$dir" XDG_CONFIG_HOME="$dir/config"
unset PULSE_SERVER PULSE_RUNTIME_PATH || true

answers() {
    PULSE_SERVER="unix:$sock" timeout 5 pactl info >/dev/null 2>&1
}

print_env() {
    echo "export PULSE_SERVER=unix:$sock"
    echo "export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$dir/asound.conf"
    echo "export LOA_PULSE_DIR=$dir"
}

write_asound_conf() {
    cat >"$dir/asound.conf.tmp" <<CONF
# Written by tools/virtual-speaker.sh: ALSA's default device is the private PulseAudio server.
pcm.!default {
    type pulse
    server "unix:$sock"
}
ctl.!default {
    type pulse
    server "unix:$sock"
}
CONF
    mv "$dir/asound.conf.tmp" "$dir/asound.conf"
}

start() {
    command -v pulseaudio >/dev/null || { echo "pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils libasound2-plugins)" >&2; exit 3; }
    command -v pactl >/dev/null || { echo "pactl is not installed (apt-get install pulseaudio-utils)" >&2; exit 3; }
    write_asound_conf
    if answers; then
        print_env
        return 0
    fi
    # A stale socket or pid file from a killed server would make PulseAudio refuse to start.
    pulseaudio --kill >/dev/null 2>&1 || true
    rm -f "$sock" "$dir/pulse/pid"
    # -n: no default script, so only the modules below exist (no suspend-on-idle, no autodetect).
    # --disallow-exit: clients cannot ask it to quit. Running as root only logs a warning.
    pulseaudio -D -n \
        --exit-idle-time=-1 --disallow-exit --use-pid-file=yes \
        --log-target="file:$dir/pulse.log" \
        --load="module-null-sink sink_name=$sink rate=$rate channels=2 sink_properties=device.description=LoaVirtualSpeaker" \
        --load="module-native-protocol-unix socket=$sock auth-anonymous=1" \
        >>"$dir/start.log" 2>&1 || {
            echo "pulseaudio failed to start; see $dir/start.log and $dir/pulse.log:" >&2
            tail -n 20 "$dir/start.log" "$dir/pulse.log" >&2 2>/dev/null || true
            exit 4
        }
    for _ in $(seq 1 100); do
        if answers; then
            PULSE_SERVER="unix:$sock" pactl set-default-sink "$sink" >/dev/null 2>&1 || true
            print_env
            return 0
        fi
        sleep 0.05
    done
    echo "pulseaudio started but does not answer on $sock; see $dir/pulse.log" >&2
    exit 5
}

stop() {
    if answers; then
        pulseaudio --kill >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do
            answers || break
            sleep 0.05
        done
    fi
    rm -f "$sock"
}

case "$cmd" in
    start) start ;;
    env) answers || { echo "virtual speaker not running in $dir" >&2; exit 1; }; print_env ;;
    status) answers ;;
    stop) stop ;;
    *) echo "usage: $0 {start|env|status|stop} [DIR]" >&2; exit 2 ;;
esac
