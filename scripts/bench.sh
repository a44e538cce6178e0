#!/usr/bin/env bash
# make bench: release binaries of every function, measured against a Runtime API stub and the
# emulator (see bench/src/main.rs). Not part of make test. `scripts/bench.sh scale` runs only the
# 10,000-member and concurrent-invite measurements, `scripts/bench.sh console` only the Members
# console's weight and first render (in Chromium), `scripts/bench.sh events` only the membership
# events' delay and round trips, `scripts/bench.sh answer [FUNCTION…]` only each (named) function's exec to its
# first answer, `scripts/bench.sh price` only what 1,000 people cost on AWS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_venv start
ensure_browser
use_own_emulators "${BENCH_EMULATOR_PORT:-5055}"
cd "$ROOT"
# Three builds, so that each binary has only its own crates' features (built together, cargo
# would give the functions the bench's aws-config HTTPS client, and the baselines the bench's).
echo "==> cargo build --release (every function, as sam build builds them)"
cargo build --release -p functions
echo "==> cargo build --release (the baselines, as the SDK's guide writes them)"
cargo build --release -p bench-baselines
echo "==> cargo build --release (the bench)"
cargo build --release -p bench
"${CARGO_TARGET_DIR:-$ROOT/target}/release/bench" "$@"
