#!/usr/bin/env bash
# `make up`: builds the images (cached), starts the stack in the background and returns once
# every container is healthy. Without a .env, writes a development one from .env.example with
# generated secrets (and says so). TRACES=1 adds Jaeger's trace UI.
set -euo pipefail
script_name=up
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$repo_root"
ensure_docker

env_file=${ENV_FILE:-$repo_root/.env}
if [[ ! -f $env_file ]]; then
  generate_env_file "$env_file"
  log "no .env: wrote a development one from .env.example with generated secrets (git ignores it)"
fi
resolve_stack_images
if [[ ${TRACES:-} == 1 ]] && ! image_available jaegertracing/jaeger:2.13.0; then
  die "TRACES=1: Jaeger's image (jaegertracing/jaeger:2.13.0) cannot be pulled on this machine"
fi

# Built with docker build (it passes the optional npm CA as a BuildKit secret, which Compose 1.x
# cannot), the stand-ins too when OFFLINE=1, then started without building.
"$repo_root/scripts/containers/images.sh"
run_compose up --detach --no-build --remove-orphans
log "waiting until every container is healthy"
wait_healthy 240 || {
  run_compose ps >&2
  die "the stack did not become healthy; see: scripts/containers/compose.sh logs"
}

port=$(sed -n 's/^GATEWAY_PORT=//p' "$env_file" | tail -1)
echo "the stack is up:"
echo "  gateway    http://127.0.0.1:${port:-3000}  (API docs: /docs; send a key of API_KEYS in $(basename "$env_file") as X-API-Key)"
if [[ ${TRACES:-} == 1 ]]; then
  echo "  traces     http://127.0.0.1:16686  (Jaeger: pick service gateway, then a trace)"
elif [[ $OFFLINE == 1 ]]; then
  echo "  traces     one line per batch: scripts/containers/compose.sh logs -f otel-collector"
else
  echo "  traces     docker compose logs -f otel-collector  (a trace UI: make up TRACES=1)"
fi
echo "  logs       scripts/containers/compose.sh logs -f;  stop with: make down"
