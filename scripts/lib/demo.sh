# shellcheck shell=bash
# Sourced by ./portal. The demo pipeline (examples/kargo/guestbook.yaml) works on two local Git repositories:
#   /tmp/kargo-portal-demo/app.git     the application, watched by the guestbook warehouse (branch main)
#   /tmp/kargo-portal-demo/gitops.git  the GitOps repository the promotions write to: env/{dev,staging,prod}
# Both are created when missing; `./portal demo-commit` adds a commit to the application. The template "New service
# with a promotion pipeline" pushes each new service to /tmp/kargo-portal-demo/services/<name>.git (the browser
# tests to e2e-services/): the backend's demo-only module packages/backend/src/modules/demoGitRepositories.
# The demo's Argo CD is simulated: kp_demo_argocd starts the Kubernetes API server double and the Argo CD
# simulator (plugins/kargo-backend/src/__testUtils__/argoCdDoublesProcess.ts, the test doubles the backend tests
# use) with the Applications of examples/argocd, and points the backend at them.

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

# Where the Argo CD doubles write the backend's kargo.argocd config (with the double's token, mode 0600) and log.
KP_DEMO_ARGOCD_DIR="${KP_DEMO_ARGOCD_DIR:-$KP_ROOT/data/argocd-double}"
# The simulated Argo CD page (links from the card) and the Kubernetes API double: fixed ports, so that links
# stored with a stage's health stay valid across restarts.
KP_DEMO_ARGOCD_UI_PORT="${KP_DEMO_ARGOCD_UI_PORT:-7008}"
KP_DEMO_KUBERNETES_PORT="${KP_DEMO_KUBERNETES_PORT:-7009}"

# Starts the Argo CD test doubles in the background (KP_DEMO_ARGOCD_PID) and waits until they wrote the config
# for the backend: $KP_DEMO_ARGOCD_DIR/app-config.yaml. A sync runs for about 8 s and the app then stays
# Progressing for 8 s (the simulator's slowness switch), longer than argocd-update takes to see the sync end (it
# looks every 5 s): the card shows the stage going Progressing, then Healthy, after the promotion succeeded.
kp_demo_argocd() {
  command -v openssl >/dev/null || kp_apt_install openssl
  mkdir -p "$KP_DEMO_ARGOCD_DIR"
  local log="$KP_DEMO_ARGOCD_DIR/doubles.log"
  (
    cd "$KP_ROOT" &&
      exec node --require @backstage/cli/config/nodeTransform.cjs \
        plugins/kargo-backend/src/__testUtils__/argoCdDoublesProcess.ts \
        --out "$KP_DEMO_ARGOCD_DIR" --applications examples/argocd/applications.yaml --resolve-git \
        --ui-port "$KP_DEMO_ARGOCD_UI_PORT" --api-port "$KP_DEMO_KUBERNETES_PORT" --tick-ms 1000 --delay-steps 8
  ) >"$log" 2>&1 &
  KP_DEMO_ARGOCD_PID=$!
  for _ in $(seq 1 120); do
    if grep -q '^ready ' "$log"; then
      kp_log "simulated Argo CD on http://localhost:$KP_DEMO_ARGOCD_UI_PORT (test doubles of the Kubernetes API and Argo CD; log $log)"
      return 0
    fi
    kill -0 "$KP_DEMO_ARGOCD_PID" 2>/dev/null || kp_die "the Argo CD test doubles did not start: $(tail -n 5 "$log")"
    sleep 0.5
  done
  kill "$KP_DEMO_ARGOCD_PID" 2>/dev/null
  kp_die "the Argo CD test doubles did not start within 60 s (log $log)"
}
