#!/usr/bin/env bash
# Installs what `make demo` and `make test` need and is missing: system packages through apt-get,
# then the npm dependencies (which bring Node 24 as a devDependency). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# command-to-check  debian-package
required=(
  "ffmpeg:ffmpeg"
  "ffprobe:ffmpeg"
  "espeak-ng:espeak-ng"
  "redis-server:redis-server"
  "fc-list:fontconfig"
)
# `--test` (make test): the dashboard's browser tests drive Debian's chromium (playwright-core never
# downloads one); `make demo` does not need it.
if [[ ${1:-} == --test ]]; then required+=("chromium:chromium"); fi
# Fonts the cards and captions use: Latin, emoji, CJK, Arabic/Hebrew.
font_packages=(fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji fonts-noto-cjk)

missing=()
for entry in "${required[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry##*:}")
done
for pkg in "${font_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
# npm itself is needed to bring everything else.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: install them with:  sudo apt-get update && sudo ${cmd[*]}" >&2
    exit 1
  fi
fi

# npm dependencies, only when package-lock.json changed since the last install.
stamp=node_modules/.setup-stamp
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

node_version=$(node_modules/.bin/node --version)
if [[ $node_version != v24.* ]]; then
  echo "setup: expected Node 24 from the node devDependency, found $node_version; run 'rm -rf node_modules && make setup'" >&2
  exit 1
fi
