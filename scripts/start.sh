#!/usr/bin/env bash
# Installs what is missing, starts the emulator, provisions it from template.yaml and serves the
# API on 127.0.0.1:3000, writing .local/stack.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${EMULATOR_PORT:-5050}"
# SES alone on an emulator of its own: reading the outbox dumps its emulator's whole state, which
# here is the emails only, so the API, Cognito and the outbox stay quick under a person and a
# script at once.
SES_PORT="${SES_EMULATOR_PORT:-5053}"
ensure_venv start
start_emulator "$PORT"
start_emulator "$SES_PORT"
use_emulator "$PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$SES_PORT"
cd "$ROOT"
phase "building and starting the local stack (cargo run -p local-stack)"
exec cargo run --quiet -p local-stack
