#!/usr/bin/env bash
# Runs every test: unit tests, and the end-to-end tests against an emulator of their own.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
# An emulator pair per test slot (scripts/test-slot.sh): 5051/5052 and 5057/5058 by default.
read -ra emulator_ports <<< "${TEST_EMULATOR_PORTS:-5051 5057}"
use_emulator "${emulator_ports[0]}"
export SAM_CLI_TELEMETRY=0

# The Python side, the virtualenvs and the checks that need nothing else, runs beside the Rust
# side's builds: pip and the checks use one core, and a build leaves one idle at its serial steps
# (the last crates, the links). Its output is shown once it is done.
python_side() {
  ensure_venv
  ensure_scim_suites
  phase "template: sam validate --lint, cfn-lint"
  "$VENV/bin/sam" validate --lint
  "$VENV/bin/cfn-lint" template.yaml
  phase "openapi.yaml: openapi-spec-validator"
  "$VENV/bin/openapi-spec-validator" openapi.yaml
}
mkdir -p .local
python_side > .local/python-side.log 2>&1 &
python_side_pid=$!
on_exit "kill $python_side_pid 2>/dev/null || true"

phase "cargo fmt --check"
cargo fmt --check
ensure_cfn_guard
# One build for clippy and the tests: clippy's driver compiles the workspace's own crates, linting
# them (every warning an error), and the dependencies are compiled once, as the tests need them
# (`cargo clippy` checks them all first in a build of its own). Exported: `sam build` lints the
# functions' binaries the same way, and the tests' own cargo calls find their build as it is.
export RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
phase "the tests' build, linted by clippy as it compiles"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --exclude functions --no-run --cargo-quiet
else
  cargo test --workspace --exclude functions --no-run --quiet
fi

wait "$python_side_pid" || { cat .local/python-side.log >&2; echo "the Python side failed (above)" >&2; exit 1; }
cat .local/python-side.log
export PATH="$VENV/bin:$PATH"
phase "template rules: cfn-guard on the template as SAM transforms it (policy/template.guard)"
python scripts/check-template-rules.py "$CFN_GUARD"
use_own_emulators "${emulator_ports[@]}"
export TEST_EMULATOR_PORTS="${emulator_ports[*]}"
# sam local invoke, for the events: Docker, the functions built the SAM way, and an emulator on
# the Docker bridge where the functions' containers reach it (scripts/sam-local.sh).
start_docker
ensure_lambda_base_image
scripts/sam-local.sh build
phase "the template sam deploy sends: nothing local-only"
python scripts/check-deploy-template.py .aws-sam/build/template.yaml samconfig.toml
# Its counter-example: a template without functions checks nothing, and must be refused.
printf 'Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n' > .local/no-functions.yaml
if python scripts/check-deploy-template.py .local/no-functions.yaml samconfig.toml 2>/dev/null; then
  echo "check-deploy-template.py passed a template without functions" >&2
  exit 1
fi
bridge=$(docker_host_address)
# One emulator per `sam local invoke` worker: the events test invokes as many events at a time,
# each worker on its own seeded stack (SAM_EMULATOR_PORTS; the first is `make invoke`'s too).
export SAM_EMULATOR_PORTS="${SAM_EMULATOR_PORTS:-5060 5061}"
export SAM_EMULATOR_PORT="${SAM_EMULATOR_PORTS%% *}"
for port in $SAM_EMULATOR_PORTS; do
  emulator_up "$port" "$bridge" || { start_emulator "$port" "$bridge"; on_exit stop_emulator "$port"; }
done
ensure_browser
phase "tests"
# The suites' figures (isolation, faults, races, idempotency, fuzz), shown once all have run.
export TEST_FIGURES="$ROOT/.local/test-figures.txt"
mkdir -p "$ROOT/.local" && : > "$TEST_FIGURES"
status=0
# Run after the suites, on their own, the tests that hold a clock the emulator's queue must not
# reach: the hung-call test (the functions' own 3-second SDK timeouts) and the outside SCIM
# suites (their HTTP clients give up on a request after a few seconds, which a loaded,
# one-request-at-a-time emulator can exceed while `sam local invoke` runs beside them).
alone=(a_hung_call_is_cut_by_the_sdk_timeouts scim2_tester_passes_every_check scim_sanity_probes_the_endpoint)
pattern=$(IFS='|'; echo "${alone[*]}")
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --exclude functions --no-fail-fast -E "not test(/$pattern/)" "$@" || status=$?
  # --workspace, as above: `-p` would resolve features anew and rebuild half the dependencies.
  cargo nextest run --workspace --exclude functions --no-fail-fast --test-threads 1 -E "test(/$pattern/)" "$@" || status=$?
else
  cargo test --workspace --exclude functions "$@" -- "${alone[@]/#/--skip=}" || status=$?
  for test in "${alone[@]}"; do cargo test --workspace --exclude functions "$@" -- "$test" || status=$?; done
fi
phase "figures"
sort "$TEST_FIGURES"
exit "$status"
