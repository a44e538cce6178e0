#!/usr/bin/env bash
# Installs what is missing, starts the emulator, provisions it from template.yaml and serves the
# API on 127.0.0.1:3000, writing .local/stack.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${EMULATOR_PORT:-5050}"
ensure_venv start
start_emulator "$PORT"
use_emulator "$PORT"
cd "$ROOT"
phase "building and starting the local stack (cargo run -p local-stack)"
exec cargo run --quiet -p local-stack
