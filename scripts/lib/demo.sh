# shellcheck shell=bash
# Sourced by ./portal. The demo pipeline (examples/kargo/guestbook.yaml) works on two local Git repositories:
#   /tmp/kargo-portal-demo/app.git     the application, watched by the guestbook warehouse (branch main)
#   /tmp/kargo-portal-demo/gitops.git  the GitOps repository the promotions write to: env/{dev,staging,prod}
# Both are created when missing; `./portal demo-commit` adds a commit to the application.

KP_DEMO_DIR="${KP_DEMO_DIR:-/tmp/kargo-portal-demo}"

kp_demo_git() {
  git -c user.name="Kargo Portal demo" -c user.email="demo@kargo-portal.invalid" \
    -c init.defaultBranch=main -c commit.gpgsign=false "$@"
}

kp_demo_repos() {
  mkdir -p "$KP_DEMO_DIR"
  if [ ! -d "$KP_DEMO_DIR/app.git" ]; then
    local work
    work="$(mktemp -d)"
    kp_demo_git init -q "$work"
    printf 'guestbook: version 1\n' >"$work/VERSION"
    kp_demo_git -C "$work" add VERSION
    kp_demo_git -C "$work" commit -q -m "guestbook version 1"
    kp_demo_git clone -q --bare "$work" "$KP_DEMO_DIR/app.git"
    rm -rf "$work"
    kp_log "created the demo application repository $KP_DEMO_DIR/app.git"
  fi
  if [ ! -d "$KP_DEMO_DIR/gitops.git" ]; then
    local work env
    work="$(mktemp -d)"
    kp_demo_git init -q "$work"
    for env in dev staging prod; do
      mkdir -p "$work/env/$env"
      printf '# Values of the guestbook in %s, written by Kargo Portal promotions.\napp:\n  commit: none # set by yaml-update\n' \
        "$env" >"$work/env/$env/values.yaml"
    done
    kp_demo_git -C "$work" add env
    kp_demo_git -C "$work" commit -q -m "GitOps repository of the guestbook"
    kp_demo_git clone -q --bare "$work" "$KP_DEMO_DIR/gitops.git"
    rm -rf "$work"
    kp_log "created the demo GitOps repository $KP_DEMO_DIR/gitops.git"
  fi
}

# Adds a commit to the demo application: the warehouse turns it into freight at its next poll.
kp_demo_commit() {
  kp_demo_repos
  local work version
  work="$(mktemp -d)"
  kp_demo_git clone -q "$KP_DEMO_DIR/app.git" "$work"
  version=$(($(git -C "$work" rev-list --count HEAD) + 1))
  printf 'guestbook: version %s\n' "$version" >"$work/VERSION"
  kp_demo_git -C "$work" commit -q -am "guestbook version $version"
  kp_demo_git -C "$work" push -q origin main
  kp_log "pushed guestbook version $version ($(git -C "$work" rev-parse --short HEAD)) to $KP_DEMO_DIR/app.git"
  rm -rf "$work"
}
