#!/usr/bin/env bash
# `make down`: stops and removes the stack's containers and network; the volumes (videos, Redis
# data) stay unless VOLUMES=1.
set -euo pipefail
script_name=down
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
pick_docker
if [[ -z $DOCKER ]] || ! "$DOCKER" info >/dev/null 2>&1; then
  log "no Docker engine is running: nothing to stop"
  exit 0
fi
OFFLINE=${OFFLINE:-1} # the stand-ins' file too, so that their containers are removed as well
export OFFLINE
down=(down --remove-orphans)
[[ ${VOLUMES:-} == 1 ]] && down+=(--volumes)
TRACES=1 run_compose "${down[@]}"
