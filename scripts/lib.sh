# Shared by the scripts: the project-local Python tools and the emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
MOTO_VERSION='moto[server]>=5.2,<5.3'

# The project-local virtualenv with the emulator (created or completed on first use).
ensure_venv() {
  if [ ! -x "$VENV/bin/moto_server" ]; then
    echo "==> installing the AWS emulator (moto) into .venv"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$MOTO_VERSION"
  fi
}

emulator_up() { curl -fsS -o /dev/null "http://127.0.0.1:$1/moto-api/data.json" 2>/dev/null; }

# Starts moto on 127.0.0.1:$1 unless it already answers there; logs to .local/.
start_emulator() {
  local port=$1
  mkdir -p "$ROOT/.local"
  if emulator_up "$port"; then return 0; fi
  echo "==> starting the AWS emulator on 127.0.0.1:$port"
  nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" > "$ROOT/.local/moto-$port.log" 2>&1 &
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
