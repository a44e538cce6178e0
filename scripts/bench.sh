#!/usr/bin/env bash
# make bench: release binaries of every function, measured against a Runtime API stub and the
# emulator (see bench/src/main.rs). Not part of make test. `scripts/bench.sh scale` runs only the
# 10,000-member and concurrent-invite measurements.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_venv start
use_own_emulators "${BENCH_EMULATOR_PORT:-5055}"
cd "$ROOT"
functions=()
for dir in functions/*/; do functions+=(-p "$(basename "$dir")"); done
echo "==> cargo build --release (every function, and the bench)"
cargo build --release "${functions[@]}" -p bench -p bench-baselines
"${CARGO_TARGET_DIR:-$ROOT/target}/release/bench" "$@"
