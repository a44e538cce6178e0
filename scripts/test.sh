#!/usr/bin/env bash
# Runs every test: unit tests, and the end-to-end tests against an emulator of their own.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${TEST_EMULATOR_PORT:-5051}"
ensure_venv
started=false
emulator_up "$PORT" || started=true
start_emulator "$PORT"
$started && trap 'stop_emulator "$PORT"' EXIT
use_emulator "$PORT"
cd "$ROOT"
cargo test --workspace "$@"
