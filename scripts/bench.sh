#!/usr/bin/env bash
# make bench: release binaries of every function, measured against a Runtime API stub and the
# emulator (see bench/src/main.rs). Not part of make test. `scripts/bench.sh scale` runs only the
# 10,000-member and concurrent-invite measurements.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${BENCH_EMULATOR_PORT:-5055}"
ensure_venv
started=()
for port in "$PORT" "$((PORT + 1))"; do
  emulator_up "$port" || started+=("$port")
  start_emulator "$port"
done
trap 'for port in "${started[@]}"; do stop_emulator "$port"; done' EXIT
use_emulator "$PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$((PORT + 1))"
cd "$ROOT"
functions=()
for dir in functions/*/; do functions+=(-p "$(basename "$dir")"); done
echo "==> cargo build --release (every function, and the bench)"
cargo build --release "${functions[@]}" -p bench
"${CARGO_TARGET_DIR:-$ROOT/target}/release/bench" "$@"
