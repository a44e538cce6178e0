#!/usr/bin/env bash
# Runs every test: unit tests, and the end-to-end tests against an emulator of their own.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_venv
use_own_emulators "${TEST_EMULATOR_PORT:-5051}"
cd "$ROOT"
export PATH="$VENV/bin:$PATH" SAM_CLI_TELEMETRY=0
phase "template: sam validate --lint, cfn-lint"
sam validate --lint
cfn-lint template.yaml
phase "openapi.yaml: openapi-spec-validator"
openapi-spec-validator openapi.yaml
# The function binaries, for the events invoked under cargo lambda.
phase "building the functions"
cargo build --workspace --bins
phase "tests"
# The suites' figures (isolation, faults, races, idempotency, fuzz), shown once all have run.
export TEST_FIGURES="$ROOT/.local/test-figures.txt"
mkdir -p "$ROOT/.local" && : > "$TEST_FIGURES"
status=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@" || status=$?
else
  cargo test --workspace "$@" || status=$?
fi
phase "figures"
sort "$TEST_FIGURES"
exit "$status"
