#!/usr/bin/env bash
# Invokes one function with one sample event, as `sam local invoke` would but without Docker:
# the function runs under `cargo lambda watch` against the local emulator, on a freshly seeded
# events stack, and its API Gateway response is printed.
#   scripts/invoke.sh FUNCTION EVENT_FILE        e.g. scripts/invoke.sh invite-member events/invite-member.201-admin.json
# Uses the emulator of `make start` (EMULATOR_PORT, 5050) unless AWS_ENDPOINT_URL is set.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 FUNCTION EVENT_FILE" >&2; exit 2; }
function=$1 event=$2
WATCH_PORT="${WATCH_PORT:-9000}"
ensure_venv
if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  start_emulator "${EMULATOR_PORT:-5050}"
  use_emulator "${EMULATOR_PORT:-5050}"
fi
cd "$ROOT"
export PATH="$VENV/bin:$PATH"

cargo build --quiet -p local-stack
env_file="$ROOT/.local/events.env"
"${CARGO_TARGET_DIR:-$ROOT/target}/debug/local-stack" seed-events > "$env_file"

watch_up() { (exec 3<>"/dev/tcp/127.0.0.1/$WATCH_PORT") 2>/dev/null; }
# A watcher started for another stack (another emulator, another user pool) must restart.
started_with="$ROOT/.local/events.env.watching"
if watch_up && ! cmp -s "$env_file" "$started_with"; then
  kill "$(cat "$ROOT/.local/cargo-lambda-watch.pid" 2>/dev/null)" 2>/dev/null || pkill -f "cargo-lambda lambda watch .*--invoke-port $WATCH_PORT" || true
  for _ in $(seq 1 50); do watch_up || break; sleep 0.1; done
fi
if ! watch_up; then
  cp "$env_file" "$started_with"
  # One watcher serves every function; it keeps running for the next invocation.
  nohup cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT" \
    --env-file "$env_file" > "$ROOT/.local/cargo-lambda-watch.log" 2>&1 &
  echo $! > "$ROOT/.local/cargo-lambda-watch.pid"
  for _ in $(seq 1 300); do watch_up && break; sleep 0.2; done
fi
cargo lambda invoke "$function" --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT" --data-file "$event"
