# Shared by the scripts: the project-local Python tools and the emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# A phase's heading, with the seconds the script has run so far (CI reads where time goes).
phase() { echo "==> [+${SECONDS}s] $*"; }

# The project-local virtualenv, with what a script needs: `start` (the emulator alone, for
# make start) or `dev` (the default: also the SAM tools, cargo-lambda and the test tools).
# (Re)installed whenever those requirements change.
ensure_venv() {
  local set=${1:-dev} requirements stamp wanted
  requirements="$ROOT/requirements-$set.txt"
  stamp="$VENV/.requirements-$set.sha256"
  wanted=$(cat "$ROOT"/requirements-*.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    phase "installing $(grep -cE '^[a-z-]' "$requirements" || true) packages of requirements-$set.txt into .venv"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
  fi
}

emulator_up() { curl -fsS -o /dev/null "http://127.0.0.1:$1/moto-api/data.json" 2>/dev/null; }

# Starts moto on 127.0.0.1:$1 unless it already answers there; logs to .local/.
start_emulator() {
  local port=$1
  mkdir -p "$ROOT/.local"
  if emulator_up "$port"; then return 0; fi
  phase "starting the AWS emulator on 127.0.0.1:$port"
  nohup "$VENV/bin/python" "$ROOT/scripts/emulator.py" -H 127.0.0.1 -p "$port" > "$ROOT/.local/moto-$port.log" 2>&1 &
  echo $! > "$ROOT/.local/moto-$port.pid"
  for _ in $(seq 1 100); do
    emulator_up "$port" && return 0
    sleep 0.1
  done
  echo "the emulator did not start; see .local/moto-$port.log" >&2
  return 1
}

stop_emulator() {
  local pidfile="$ROOT/.local/moto-$1.pid"
  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
}

# How every AWS client here (our Rust code through aws-config) finds the emulator.
use_emulator() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  export AWS_EC2_METADATA_DISABLED=true
}

# Emulators of a script's own: all services on 127.0.0.1:$1 and SES alone on $1+1, so that
# reading the outbox (moto dumps its whole state) stays fast while the other services pile up
# tables and user pools. Those this call starts stop when the script exits.
use_own_emulators() {
  local port=$1 ses_port=$(($1 + 1))
  OWN_EMULATORS=()
  for p in "$port" "$ses_port"; do
    emulator_up "$p" || OWN_EMULATORS+=("$p")
    start_emulator "$p"
  done
  trap 'for p in "${OWN_EMULATORS[@]}"; do stop_emulator "$p"; done' EXIT
  use_emulator "$port"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$ses_port"
}
