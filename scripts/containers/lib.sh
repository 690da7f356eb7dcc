# Shared by the container scripts (sourced, not run). Picks the docker client and a compose
# command that work, starts the engine when this machine has one installed but not running, and
# resolves the base images: the public ones when they can be pulled, else local equivalents
# built by base-images.sh (so a machine without Docker Hub builds the same images).
# shellcheck shell=bash

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DOCKER_BUILDKIT=1
# Compose 1.x builds through the docker CLI (BuildKit) instead of its own Python client.
export COMPOSE_DOCKER_CLI_BUILD=1

# The public base images (the Dockerfiles' and docker-compose.yml's defaults).
PUBLIC_NODE_IMAGE=node:24-bookworm-slim
PUBLIC_REDIS_IMAGE=redis:7.4-alpine
PUBLIC_COLLECTOR_IMAGE=otel/opentelemetry-collector-contrib:0.149.0
# Their local stand-ins, built by base-images.sh.
LOCAL_DEBIAN_IMAGE=video-service-base/debian:bookworm-slim
LOCAL_NODE_IMAGE=video-service-base/node:24-bookworm-slim

log() { printf '%s: %s\n' "${script_name:-containers}" "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# The docker client: Debian's docker.io package installs /usr/bin/docker; another one earlier on
# the PATH may be too new for the engine (or have no engine), so prefer the packaged one.
pick_docker() {
  if [[ -n ${DOCKER:-} ]]; then return; fi
  if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker || true); fi
  [[ -n $DOCKER ]] || DOCKER=""
}

# Installs (as root, through apt) and starts the Docker engine when it is missing or stopped.
ensure_docker() {
  pick_docker
  if [[ -n $DOCKER ]] && "$DOCKER" info >/dev/null 2>&1; then return; fi
  if [[ $(id -u) -ne 0 ]]; then
    die "no Docker engine answers: install Docker (Debian: sudo apt-get install docker.io docker-compose), start it (sudo systemctl start docker) and make sure you may use it (the docker group)."
  fi
  if [[ -z $DOCKER ]] || ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io and docker-compose with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io docker-compose >/dev/null
    DOCKER=/usr/bin/docker
  fi
  log "starting dockerd (log: /var/log/dockerd.log)"
  # setsid: the engine outlives this script and is not killed with its process group.
  setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    "$DOCKER" info >/dev/null 2>&1 && return
    sleep 1
  done
  die "dockerd did not start within 60 s; see /var/log/dockerd.log"
}

# COMPOSE: `docker compose` (v2) when the client has it, else docker-compose (1.27+).
pick_compose() {
  pick_docker
  if [[ -n $DOCKER ]] && "$DOCKER" compose version >/dev/null 2>&1; then
    COMPOSE=("$DOCKER" compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    die "neither 'docker compose' nor 'docker-compose' is installed (Debian: apt-get install docker-compose)."
  fi
}

# True when the image is here or can be pulled.
image_available() {
  "$DOCKER" image inspect "$1" >/dev/null 2>&1 && return 0
  log "pulling $1"
  "$DOCKER" pull --quiet "$1" >/dev/null 2>&1
}

# Exports NODE_IMAGE, the base of the three service images: the public one when it is here or
# can be pulled, else the local stand-in (built once). An explicit NODE_IMAGE wins.
resolve_node_image() {
  if [[ -z ${NODE_IMAGE:-} ]]; then
    if image_available "$PUBLIC_NODE_IMAGE"; then
      NODE_IMAGE=$PUBLIC_NODE_IMAGE
    else
      log "$PUBLIC_NODE_IMAGE cannot be pulled: using a local equivalent (Debian bookworm + Node 24 from npm)"
      "$repo_root/scripts/containers/base-images.sh"
      NODE_IMAGE=$LOCAL_NODE_IMAGE
    fi
  fi
  export NODE_IMAGE
}

# Exports OFFLINE=1 when Redis's or the collector's image from Docker Hub is out of reach:
# docker-compose.offline.yml then builds stand-ins on the local Debian base. OFFLINE=0|1 forces.
resolve_stack_images() {
  resolve_node_image
  if [[ -z ${OFFLINE:-} ]]; then
    if image_available "$PUBLIC_REDIS_IMAGE" && image_available "$PUBLIC_COLLECTOR_IMAGE"; then OFFLINE=0; else OFFLINE=1; fi
  fi
  if [[ $OFFLINE == 1 && -z ${DEBIAN_IMAGE:-} ]]; then
    if image_available debian:bookworm-slim; then
      DEBIAN_IMAGE=debian:bookworm-slim
    else
      "$repo_root/scripts/containers/base-images.sh"
      DEBIAN_IMAGE=$LOCAL_DEBIAN_IMAGE
    fi
  fi
  export OFFLINE DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}
}

# The extra CA certificate bundle for npm inside builds (a TLS-inspecting proxy): NPM_CA_FILE, else
# the one this machine's Node already trusts (NODE_EXTRA_CA_CERTS), else npm's cafile; or none.
build_ca_file() {
  local file=${NPM_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
  if [[ -z $file ]] && command -v npm >/dev/null 2>&1; then
    file=$(npm config get cafile 2>/dev/null || true)
    [[ $file == null || $file == undefined ]] && file=""
  fi
  [[ -n $file && -r $file ]] && printf '%s' "$file"
  return 0
}

image_tag() {
  git -C "$repo_root" rev-parse --short=12 HEAD 2>/dev/null || echo local
}

# A random secret: 32 bytes as hex.
random_hex() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Writes a development env file from .env.example with every empty required secret generated.
generate_env_file() {
  local target=$1 line name
  : >"$target"
  chmod 600 "$target"
  while IFS= read -r line; do
    name=${line%%=*}
    if [[ $line =~ ^(INTERNAL_TOKEN|API_KEYS|STORAGE_SIGNING_SECRET)=$ ]]; then
      printf '%s=%s\n' "$name" "$(random_hex)" >>"$target"
    elif [[ $line == "# WEBHOOK_SECRET=" ]]; then
      # Optional in .env.example; a development stack gets one (whsec_ and 32 random bytes in base64).
      printf 'WEBHOOK_SECRET=whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >>"$target"
    else
      printf '%s\n' "$line" >>"$target"
    fi
  done <"$repo_root/.env.example"
}

# Runs compose on the stack: docker-compose.yml, the offline stand-ins when Docker Hub is out of
# reach, the trace UI when TRACES=1, EXTRA_COMPOSE_FILES, with ENV_FILE (default .env).
run_compose() {
  pick_compose
  local files=(-f "$repo_root/docker-compose.yml") env=()
  [[ ${OFFLINE:-0} == 1 ]] && files+=(-f "$repo_root/docker-compose.offline.yml")
  [[ ${TRACES:-} == 1 ]] && files+=(-f "$repo_root/docker-compose.traces.yml")
  local extra
  for extra in ${EXTRA_COMPOSE_FILES:-}; do files+=(-f "$extra"); done
  local env_file=${ENV_FILE:-$repo_root/.env}
  [[ -f $env_file ]] && env=(--env-file "$env_file")
  "${COMPOSE[@]}" --project-directory "$repo_root" "${env[@]}" "${files[@]}" "$@"
}

# Waits until every container of the stack is healthy (or running, when it has no health check).
wait_healthy() {
  local timeout=${1:-180} deadline id state pending
  deadline=$(($(date +%s) + timeout))
  while :; do
    pending=()
    for id in $(run_compose ps -q); do
      state=$("$DOCKER" inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}healthy{{end}}' "$id")
      [[ $state == *" running healthy" ]] || pending+=("$state")
    done
    ((${#pending[@]} == 0)) && return 0
    if (($(date +%s) > deadline)); then
      log "not healthy after ${timeout} s: ${pending[*]}"
      return 1
    fi
    sleep 2
  done
}

# Builds docker-compose.offline.yml's stand-ins with the same tags that file names (with this
# client rather than through compose, whose 1.x builds call whatever `docker` is first on the PATH).
build_standins() {
  log "building the stand-ins for Redis and the collector (docker-compose.offline.yml)"
  "$DOCKER" build --quiet --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t video-service/redis:local \
    -f "$repo_root/infra/offline/redis.Dockerfile" "$repo_root/infra/offline" >/dev/null
  "$DOCKER" build --quiet --build-arg "NODE_IMAGE=$NODE_IMAGE" -t video-service/otlp-receiver:local \
    -f "$repo_root/infra/offline/otlp-receiver.Dockerfile" "$repo_root" >/dev/null
}
