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
# Two builds: built together, the functions would get the features the bench's aws-config turns
# on (its default HTTPS client), and be measured with code a deployed function does not have.
echo "==> cargo build --release (every function, as sam build builds them)"
cargo build --release "${functions[@]}"
echo "==> cargo build --release (the bench and its baselines)"
cargo build --release -p bench -p bench-baselines
"${CARGO_TARGET_DIR:-$ROOT/target}/release/bench" "$@"
