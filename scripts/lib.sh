# Shared by the scripts: the project-local Python tools and the emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VENVS="${TMS_VENVS:-$HOME/.cache/tms/venvs}"

# A phase's heading, with the seconds since the first script started (CI reads where time goes).
PHASE_EPOCH="${PHASE_EPOCH:-$(date +%s)}"
export PHASE_EPOCH
phase() { echo "==> [+$(($(date +%s) - PHASE_EPOCH))s] $*"; }

# Commands run when the script exits, last registered first.
EXIT_HOOKS=()
on_exit() {
  EXIT_HOOKS=("$*" "${EXIT_HOOKS[@]}")
  trap 'for hook in "${EXIT_HOOKS[@]}"; do eval "$hook"; done' EXIT
}

# The virtualenvs are cached outside the clone, one per content of their requirements and the
# Python they run on, so that a new clone finds them installed: .venv and .venv-scim link into
# ~/.cache/tms/venvs. A clone's own directory of that name is kept as it is. $1: the link, then
# the requirements files it is installed from.
link_venv() {
  local link=$1 key
  shift
  key=$( (python3 --version; cat "$@") | sha256sum | cut -c1-16)
  if [ -L "$link" ] || [ ! -e "$link" ]; then
    mkdir -p "$VENVS/$key"
    ln -sfn "$VENVS/$key" "$link"
  fi
}

# Installs requirements file $2 into the virtualenv $1 (created at its real path, which its
# scripts' first lines name) unless stamp $3 says it holds what $4 names; one install at a time
# for clones that share it.
install_venv() {
  local venv=$1 requirements=$2 stamp=$3 wanted=$4 lock
  [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] || return 0
  mkdir -p "$VENVS"
  exec {lock}> "$VENVS/.install.lock"
  flock "$lock"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$(readlink -f "$venv")"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
  fi
  exec {lock}>&-
}

# The project's virtualenv, with what a script needs: `start` (the emulator alone, for
# make start) or `dev` (the default: also the SAM tools, cargo-lambda and the test tools).
# (Re)installed whenever those requirements change.
ensure_venv() {
  local set=${1:-dev} requirements wanted
  requirements="$ROOT/requirements-$set.txt"
  link_venv "$VENV" "$ROOT"/requirements-{dev,start}.txt
  wanted=$(cat "$ROOT"/requirements-{dev,start}.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$VENV/.requirements-$set.sha256" 2>/dev/null)" != "$wanted" ]; then
    phase "installing $(grep -cE '^[a-z-]' "$requirements" || true) packages of requirements-$set.txt into .venv ($(readlink -f "$VENV"))"
    install_venv "$VENV" "$requirements" "$VENV/.requirements-$set.sha256" "$wanted"
  fi
}

# The SCIM conformance suites in a virtualenv of their own (requirements-scim.txt says why);
# the tests find it at .venv-scim.
ensure_scim_suites() {
  local venv="$ROOT/.venv-scim" wanted
  link_venv "$venv" "$ROOT/requirements-scim.txt"
  wanted=$(sha256sum "$ROOT/requirements-scim.txt" | cut -d' ' -f1)
  if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
    phase "installing the SCIM conformance suites (requirements-scim.txt) into .venv-scim ($(readlink -f "$venv"))"
    install_venv "$venv" "$ROOT/requirements-scim.txt" "$venv/.requirements.sha256" "$wanted"
  fi
}

# Whether moto answers on port $1 of address $2 (127.0.0.1 by default).
emulator_up() { curl -fsS -o /dev/null "http://${2:-127.0.0.1}:$1/moto-api/" 2>/dev/null; }

# Starts moto on ${2:-127.0.0.1}:$1 unless it already answers there; logs to .local/.
start_emulator() {
  local port=$1 host=${2:-127.0.0.1}
  mkdir -p "$ROOT/.local"
  if emulator_up "$port" "$host"; then return 0; fi
  phase "starting the AWS emulator on $host:$port"
  nohup "$VENV/bin/python" "$ROOT/scripts/emulator.py" -H "$host" -p "$port" > "$ROOT/.local/moto-$port.log" 2>&1 &
  echo $! > "$ROOT/.local/moto-$port.pid"
  for _ in $(seq 1 100); do
    emulator_up "$port" "$host" && return 0
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

# Emulators of a script's own: for each port P, all services on 127.0.0.1:P and SES alone on P+1,
# so that reading the outbox (moto dumps its whole state) stays fast while the other services pile
# up tables and user pools. The first pair is the script's; the test slots use one pair each
# (scripts/test-slot.sh). Those this call starts stop when the script exits.
use_own_emulators() {
  local port pid starting=()
  OWN_EMULATORS=()
  on_exit 'for p in "${OWN_EMULATORS[@]}"; do stop_emulator "$p"; done'
  for port in "$@"; do
    for p in "$port" "$((port + 1))"; do
      emulator_up "$p" || OWN_EMULATORS+=("$p")
      start_emulator "$p" &
      starting+=($!)
    done
  done
  for pid in "${starting[@]}"; do wait "$pid"; done
  use_emulator "$1"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$(($1 + 1))"
}

# ---- Tools built from crates.io, cached outside the clone ----

TOOLS="${TMS_TOOLS:-$HOME/.cache/tms/tools}"
CFN_GUARD_VERSION=3.2.1

# AWS CloudFormation Guard, for the template's rules (policy/template.guard); sets CFN_GUARD.
ensure_cfn_guard() {
  CFN_GUARD="$TOOLS/bin/cfn-guard"
  if ! "$CFN_GUARD" --version 2>/dev/null | grep -q "$CFN_GUARD_VERSION"; then
    phase "installing cfn-guard $CFN_GUARD_VERSION (cargo install, into $TOOLS)"
    CARGO_TARGET_DIR="$TOOLS/target" cargo install --quiet --locked --root "$TOOLS" --version "$CFN_GUARD_VERSION" cfn-guard
  fi
}

# ---- The browser tests: Debian's Chromium and ChromeDriver, and axe-core from npm ----

AXE_CORE_VERSION=4.10.3

ensure_browser() {
  # And a Japanese font, so that the Japanese pages' screenshots show their text.
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -d /usr/share/fonts/opentype/ipafont-gothic ]; then
    phase "installing Debian's chromium, chromium-driver and fonts-ipafont-gothic"
    apt_install chromium chromium-driver fonts-ipafont-gothic
  fi
  export AXE_CORE_JS="$TOOLS/axe-core-$AXE_CORE_VERSION/node_modules/axe-core/axe.min.js"
  if [ ! -f "$AXE_CORE_JS" ]; then
    phase "installing axe-core $AXE_CORE_VERSION (npm, into $TOOLS)"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/axe-core-$AXE_CORE_VERSION" "axe-core@$AXE_CORE_VERSION" >/dev/null
  fi
}

# ---- Docker, for sam local: Debian's docker.io and a private daemon under .local/docker ----
DOCKER_DIR="$ROOT/.local/docker"
export DOCKER_HOST="unix://$DOCKER_DIR/docker.sock"
# The image SAM layers its Lambda runtime emulator on for provided.al2023; no registry is reachable,
# so it is built here from the host's own sh, mv, chmod and glibc (SAM needs nothing more of it).
LAMBDA_BASE_IMAGE=public.ecr.aws/lambda/provided:al2023-x86_64

# Installs Debian packages (as root, or through sudo); refreshes the package lists only if needed.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

# Installs Docker from Debian's packages unless dockerd is already there.
ensure_docker() {
  command -v dockerd >/dev/null && return 0
  phase "installing Docker (Debian's docker.io)"
  apt_install docker.io iptables
}

docker_up() { docker info >/dev/null 2>&1; }

# Starts the private dockerd unless it answers; one this call starts stops when the script exits
# (by its pid: nothing else is touched). Needs root, as dockerd does.
start_docker() {
  ensure_docker
  docker_up && return 0
  phase "starting a private dockerd ($DOCKER_HOST)"
  mkdir -p "$DOCKER_DIR"
  dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/run" --pidfile "$DOCKER_DIR/dockerd.pid" \
    --host "$DOCKER_HOST" > "$DOCKER_DIR/dockerd.log" 2>&1 &
  OWN_DOCKERD=$!
  on_exit stop_docker
  for _ in $(seq 1 150); do
    docker_up && return 0
    kill -0 "$OWN_DOCKERD" 2>/dev/null || break
    sleep 0.2
  done
  echo "dockerd did not start; see $DOCKER_DIR/dockerd.log" >&2
  return 1
}

stop_docker() {
  [ -n "${OWN_DOCKERD:-}" ] || return 0
  kill "$OWN_DOCKERD" 2>/dev/null || true
  # dockerd stops its containerd before it exits.
  for _ in $(seq 1 100); do kill -0 "$OWN_DOCKERD" 2>/dev/null || break; sleep 0.1; done
  OWN_DOCKERD=""
}

ensure_lambda_base_image() {
  docker image inspect "$LAMBDA_BASE_IMAGE" >/dev/null 2>&1 && return 0
  phase "building $LAMBDA_BASE_IMAGE from the host's sh, mv, chmod and glibc"
  local dir lib
  dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/var/task" "$dir/var/runtime" "$dir/etc/ssl/certs"
  cp -L /bin/sh /bin/mv /bin/chmod "$dir/bin/"
  # The programs' libraries, and those a Rust binary built for an older glibc links to.
  for lib in $( (ldd /bin/sh /bin/mv /bin/chmod; ls /lib/x86_64-linux-gnu/lib{gcc_s.so.1,m.so.6,pthread.so.0,dl.so.2,rt.so.1}) |
    grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/" 2>/dev/null || true
  # /etc/hosts first (host.docker.internal is there); glibc's default asks DNS alone.
  echo "hosts: files dns" > "$dir/etc/nsswitch.conf"
  tar -C "$dir" -c . | docker import -c 'ENV LANG=C.UTF-8' -c 'WORKDIR /var/task' - "$LAMBDA_BASE_IMAGE" >/dev/null
  rm -rf "$dir"
}

# Where containers on the default bridge reach this host (what host.docker.internal resolves to).
docker_host_address() {
  local address
  address=$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null || true)
  [ -n "$address" ] || address=$(ip -4 -o addr show docker0 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')
  [ -n "$address" ] || { echo "no address on the Docker bridge (docker network inspect bridge, ip addr show docker0)" >&2; return 1; }
  echo "$address"
}
