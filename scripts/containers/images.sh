#!/usr/bin/env bash
# `make images`: builds the gateway, imagegen and renderer images with BuildKit (cached: an
# unchanged service rebuilds in seconds), tags each video-service/<service>:<git revision> and
# :local (the tag docker-compose.yml runs), and prints each image's size and the build time.
#   NODE_IMAGE=…    base image (default node:24-bookworm-slim, else a local stand-in)
#   NPM_CA_FILE=…   a CA bundle npm must trust inside the build (default: NODE_EXTRA_CA_CERTS)
#   SERVICES="…"    a subset of the services
#   OFFLINE=1       also the stand-ins of docker-compose.offline.yml
set -euo pipefail
script_name=images
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ensure_docker
resolve_node_image

services=(${SERVICES:-gateway imagegen renderer})
tag=$(image_tag)
ca=$(build_ca_file)
secret=()
[[ -n $ca ]] && secret=(--secret "id=npm_ca,src=$ca") && log "npm inside the build trusts the CAs of $ca"

started=$(date +%s)
for service in "${services[@]}"; do
  log "building video-service/$service:$tag on $NODE_IMAGE"
  "$DOCKER" build --progress=plain "${secret[@]}" \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" \
    -f "$repo_root/services/$service/Dockerfile" \
    -t "video-service/$service:$tag" -t "video-service/$service:local" \
    "$repo_root" >"${BUILD_LOG:-/tmp/video-service-build-$service.log}" 2>&1 || {
    tail -30 "${BUILD_LOG:-/tmp/video-service-build-$service.log}" >&2
    die "building $service failed (full log: ${BUILD_LOG:-/tmp/video-service-build-$service.log})"
  }
done
if [[ ${OFFLINE:-} == 1 ]]; then
  resolve_stack_images
  build_standins
fi
elapsed=$(($(date +%s) - started))

echo "images (base $NODE_IMAGE), built in ${elapsed} s:"
for service in "${services[@]}"; do
  bytes=$("$DOCKER" image inspect -f '{{.Size}}' "video-service/$service:$tag")
  printf '  video-service/%-9s %s  %4d MB\n' "$service" "$tag" $((bytes / 1000000))
done
