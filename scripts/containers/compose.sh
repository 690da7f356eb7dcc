#!/usr/bin/env bash
# Runs `docker compose` (v2) or docker-compose (1.x) on the stack with the files this machine
# needs: docker-compose.yml, docker-compose.offline.yml when Docker Hub is out of reach, and
# docker-compose.traces.yml with TRACES=1. Example: scripts/containers/compose.sh logs -f renderer
set -euo pipefail
script_name=compose
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ensure_docker
resolve_stack_images
run_compose "$@"
