#!/usr/bin/env bash
# beside.sh "QUIET COMMAND" COMMAND...: run the quiet command (the type check) in the background
# while COMMAND (the tests) runs in the foreground, then print what the quiet one said. Fails when
# either fails. Two cores: the type check no longer waits for the tests, nor they for it.
set -uo pipefail
quiet="$1"
shift
said="$(mktemp)"
trap 'rm -f "$said"' EXIT
bash -c "$quiet" >"$said" 2>&1 &
quiet_pid=$!
"$@"
status=$?
wait "$quiet_pid"
quiet_status=$?
cat "$said"
if [ "$quiet_status" -ne 0 ]; then
    exit "$quiet_status"
fi
exit "$status"
