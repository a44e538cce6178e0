#!/usr/bin/env bash
# `sam local`, as a SAM user runs it, with what it needs on this machine set up first:
#   scripts/sam-local.sh build                        sam build: every function, the SAM way (debug)
#   scripts/sam-local.sh invoke FUNCTION EVENT_FILE   e.g. invite-member events/invite-member.201-admin.json
#   scripts/sam-local.sh start-api                    the public routes on http://127.0.0.1:$SAM_API_PORT (3001)
# Sets up: Docker (Debian's docker.io) with a private dockerd under .local/docker, the Lambda base
# image, `sam build` when a source is newer than .aws-sam/build, and an emulator on the Docker
# bridge (port $SAM_EMULATOR_PORT, 5060), where the functions' containers reach it as
# host.docker.internal, seeded with the sample events' fixtures. What it started stops on exit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command=${1:-}
cd "$ROOT"
export PATH="$VENV/bin:$PATH" SAM_CLI_TELEMETRY=0
# Debug builds: ~3 minutes, where release (LTO) takes several times longer.
export SAM_BUILD_MODE=debug
SAM_EMULATOR_PORT="${SAM_EMULATOR_PORT:-5060}" SAM_API_PORT="${SAM_API_PORT:-3001}"
# x86_64, not the template's arm64 default: this machine builds and runs x86_64.
ARCH=x86_64

sam_build() {
  phase "sam build (debug, $ARCH; log in .local/sam-build.log)"
  mkdir -p .local
  # Without debug info, which makes each function 330 MB to copy (32 MB without). Set for sam
  # build alone: the tests' and local-stack's builds keep theirs, and so their artifacts.
  CARGO_PROFILE_DEV_DEBUG=0 sam build --parameter-overrides "Architecture=$ARCH SenderEmail=no-reply@example.com" > .local/sam-build.log 2>&1 || { tail -40 .local/sam-build.log >&2; return 1; }
  built_template_as_json
}

# The built template as JSON, which `sam local` is given: it reads JSON with `json.loads`, and
# YAML with pure-Python PyYAML, several times an invocation (a sixth of each `sam local invoke`).
BUILT_TEMPLATE=.aws-sam/build/template.json
built_template_as_json() {
  python -c 'import json, sys; from samcli.yamlhelper import yaml_parse; json.dump(yaml_parse(open(sys.argv[1]).read()), open(sys.argv[2], "w"))' \
    .aws-sam/build/template.yaml "$BUILT_TEMPLATE"
}

# Whether $1 is missing or older than a file under the paths that follow.
stale() { [ ! -e "$1" ] || [ -n "$(find "${@:2}" -newer "$1" -print -quit)" ]; }

build_if_stale() {
  if stale .aws-sam/build/template.yaml shared functions Cargo.toml Cargo.lock template.yaml; then
    sam_build
  fi
  [ "$BUILT_TEMPLATE" -nt .aws-sam/build/template.yaml ] || built_template_as_json
}

# The function's logical id in template.yaml: invite-member -> InviteMemberFunction.
logical_id() { echo "$(sed -E 's/(^|-)([a-z])/\U\2/g' <<< "$1")Function"; }

# Docker, the base image, the build and the seeded emulator; sets SAM_LOCAL, the options every
# `sam local` command here gets.
prepare() {
  ensure_venv
  start_docker
  ensure_lambda_base_image
  build_if_stale
  local host own=""
  host=$(docker_host_address)
  emulator_up "$SAM_EMULATOR_PORT" "$host" || own=yes
  start_emulator "$SAM_EMULATOR_PORT" "$host"
  [ -z "$own" ] || on_exit stop_emulator "$SAM_EMULATOR_PORT"
  use_emulator "$SAM_EMULATOR_PORT"
  export AWS_ENDPOINT_URL="http://$host:$SAM_EMULATOR_PORT"
  # SAM asks STS for AWS::AccountId: the emulator answers 123456789012 at once (AWS would be
  # unreachable here, and SAM would wait for it).
  export AWS_ENDPOINT_URL_STS="$AWS_ENDPOINT_URL"
  unset AWS_ENDPOINT_URL_SESV2
  local functions_endpoint="http://host.docker.internal:$SAM_EMULATOR_PORT"
  # The stack's binary, built when a source is newer (cargo's own no-op took a sixth of an
  # invocation). A test process hands its children cargo's CARGO_PKG_*, CARGO_MANIFEST_* variables,
  # and ring's build script watches some: a build run from a test would rebuild ring and all above
  # it (and the next plain build again, two minutes each). Build without them, with the
  # workspace's features, as the test build resolved them.
  local inherited local_stack="${CARGO_TARGET_DIR:-$ROOT/target}/debug/local-stack"
  if stale "$local_stack" local shared Cargo.toml Cargo.lock; then
    inherited=$(compgen -e | grep -E '^CARGO_(PKG_|PKG$|MANIFEST_|CRATE_NAME|BIN_|PRIMARY_PACKAGE|TARGET_TMPDIR)' | sed 's/^/-u /' || true)
    # shellcheck disable=SC2086 # one word per variable
    env $inherited cargo build --quiet --workspace --bin local-stack
  fi
  "$local_stack" seed-events "$functions_endpoint" > ".local/sam-env-vars-$SAM_EMULATOR_PORT.json"
  SAM_LOCAL=(
    --template "$BUILT_TEMPLATE"
    --skip-pull-image
    --add-host host.docker.internal:host-gateway
    --parameter-overrides "Architecture=$ARCH SenderEmail=no-reply@example.com EmulatorEndpoint=$functions_endpoint"
    --env-vars ".local/sam-env-vars-$SAM_EMULATOR_PORT.json"
  )
}

case "$command" in
  build)
    ensure_venv
    sam_build
    ;;
  invoke)
    [ $# -eq 3 ] || { echo "usage: $0 invoke FUNCTION EVENT_FILE" >&2; exit 2; }
    prepare
    sam local invoke "$(logical_id "$2")" --event "$3" "${SAM_LOCAL[@]}" ${SAM_DEBUG:+--debug}
    ;;
  start-api)
    prepare
    sam local start-api --port "$SAM_API_PORT" "${SAM_LOCAL[@]}"
    ;;
  *)
    sed -n '2,5p' "$0" >&2
    exit 2
    ;;
esac
