#!/usr/bin/env bash
# Runs every test: unit tests, and the end-to-end tests against an emulator of their own.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${TEST_EMULATOR_PORT:-5051}"
# SES gets an emulator of its own, so that reading the outbox (moto dumps its whole state)
# stays fast while the other services pile up every test's tables and user pools.
SES_PORT=$((PORT + 1))
ensure_venv
started=()
for port in "$PORT" "$SES_PORT"; do
  emulator_up "$port" || started+=("$port")
  start_emulator "$port"
done
trap 'for port in "${started[@]}"; do stop_emulator "$port"; done' EXIT
use_emulator "$PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$SES_PORT"
cd "$ROOT"
export PATH="$VENV/bin:$PATH" SAM_CLI_TELEMETRY=0
echo "==> template: sam validate --lint, cfn-lint"
sam validate --lint
cfn-lint template.yaml
echo "==> openapi.yaml: openapi-spec-validator"
openapi-spec-validator openapi.yaml
# The function binaries, for the events invoked under cargo lambda.
cargo build --workspace --bins
# The suites' figures (isolation, faults, races, idempotency, fuzz), shown once all have run.
export TEST_FIGURES="$ROOT/.local/test-figures.txt"
mkdir -p "$ROOT/.local" && : > "$TEST_FIGURES"
status=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@" || status=$?
else
  cargo test --workspace "$@" || status=$?
fi
echo "==> figures"
sort "$TEST_FIGURES"
exit "$status"
