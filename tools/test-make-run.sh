#!/usr/bin/env bash
# Tests `make run` as a newcomer with a desktop uses it: under a virtual X
# server (Xvfb, on a free display) `make run` must install what QEMU's GTK
# window needs, open that window, and boot Cairn to the serial shell, which
# then answers `poweroff`. Every wait is bounded; the X server and QEMU are
# stopped at the end, whatever happened. Prints `ok`/`FAIL` lines like the
# harness and exits 1 on a failure.
#
# Needs xvfb and x11-utils (xwininfo); `make test-run` installs them first.
# Usage: tools/test-make-run.sh (from anywhere; it works in the repository).
set -uo pipefail
cd "$(dirname "$0")/.."

# Seconds for each stage: the X server to come up, the shell prompt to
# appear (make run may still build the ISO), the machine to power off.
X_START=10
BOOT=${RUN_TEST_BOOT_SECONDS:-300}
POWEROFF=60
PROMPT='root@cairn:/# '

logs=build/test-logs
mkdir -p "$logs"
serial="$logs/make-run.log"
work=$(mktemp -d)
run_pid=""
xvfb_pid=""
failed=0

stop() {
    if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
        kill -- "-$run_pid" 2>/dev/null
        wait "$run_pid" 2>/dev/null
    fi
    if [ -n "$xvfb_pid" ] && kill -0 "$xvfb_pid" 2>/dev/null; then
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap stop EXIT

ok() { echo "ok   make-run/$1"; }
fail() {
    echo "FAIL make-run/$1: $2"
    failed=1
}

# Waits up to $1 seconds for the command in the other arguments to succeed.
wait_for() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.5
    done
}

for tool in Xvfb xwininfo; do
    if ! command -v "$tool" >/dev/null; then
        fail "tools" "$tool is missing (run \`make test-run\`, which installs xvfb and x11-utils)"
        exit 1
    fi
done

# A display number nobody uses: no socket and no lock file.
display=""
for n in $(seq 90 189); do
    if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then
        display=$n
        break
    fi
done
if [ -z "$display" ]; then
    fail "free-display" "displays :90 to :189 are all taken"
    exit 1
fi

Xvfb ":$display" -screen 0 1280x1024x24 -nolisten tcp >"$logs/make-run-xvfb.log" 2>&1 &
xvfb_pid=$!
if ! wait_for "$X_START" xwininfo -display ":$display" -root >/dev/null 2>&1; then
    fail "xvfb" "the X server on :$display did not come up (see $logs/make-run-xvfb.log)"
    exit 1
fi
ok "xvfb-on-:$display"

# `make run` in its own process group (so it can be stopped whole), its
# serial console on a pipe we type into and a log we read.
mkfifo "$work/input"
exec 3<>"$work/input"
DISPLAY=":$display" setsid make run <"$work/input" >"$serial" 2>&1 &
run_pid=$!

if wait_for "$BOOT" grep -qF "$PROMPT" "$serial"; then
    ok "shell-prompt"
else
    fail "shell-prompt" "no shell prompt within ${BOOT}s (see $serial)"
    grep -E "gtk|GTK|display|Display" "$serial" | head -5 | sed 's/^/   | /'
    exit 1
fi

if xwininfo -display ":$display" -root -tree | grep -q '"QEMU'; then
    ok "qemu-window"
else
    fail "qemu-window" "no QEMU window on :$display"
fi

printf 'poweroff\r' >&3
if wait_for "$POWEROFF" bash -c "! kill -0 $run_pid 2>/dev/null"; then
    wait "$run_pid" 2>/dev/null
    run_pid=""
    if grep -qF "poweroff: the system is going down" "$serial"; then
        ok "poweroff"
    else
        fail "poweroff" "QEMU ended without the poweroff message (see $serial)"
    fi
else
    fail "poweroff" "QEMU still running ${POWEROFF}s after poweroff"
fi

exit "$failed"
