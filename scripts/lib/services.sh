# shellcheck shell=bash
# Sourced by ./portal. Makes the services the tests use available: PostgreSQL, Chromium, the registry tools and
# Prometheus.

kp_apt_install() {
  [ "$(id -u)" = 0 ] || kp_die "$* missing: install it (apt-get install $*) or run as root so ./portal can"
  if [ ! -f "$KP_CACHE/.apt-updated" ] || [ -n "$(find "$KP_CACHE/.apt-updated" -mmin +1440)" ]; then
    kp_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || kp_die "apt-get update failed"
    mkdir -p "$KP_CACHE" && touch "$KP_CACHE/.apt-updated"
  fi
  kp_log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 ||
    kp_die "apt-get install $* failed"
}

# The store tests run on PostgreSQL as well as SQLite. KARGO_TEST_POSTGRES_URL points them at a server of your
# own; otherwise the machine's local cluster on 127.0.0.1:5432 (user postgres, trust auth) is started if needed.
kp_ensure_postgres() {
  local url="${KARGO_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
  if [ -z "${KARGO_TEST_POSTGRES_URL:-}" ]; then
    command -v pg_ctlcluster >/dev/null || kp_apt_install postgresql
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
      local version
      version="$(ls /etc/postgresql | sort -n | tail -n 1)"
      kp_log "starting PostgreSQL $version"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || kp_die "could not start PostgreSQL $version"
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  local num
  num="$(psql "$url" -Atc 'show server_version_num' 2>&1)" ||
    kp_die "PostgreSQL at $url does not answer: $num"
  KP_PG_MAJOR=$((num / 10000))
  # Backstage's TestDatabases reads the server of each database id from these variables; no Docker is used.
  export "BACKSTAGE_TEST_DATABASE_POSTGRES${KP_PG_MAJOR}_CONNECTION_STRING=$url"
  export KARGO_TEST_POSTGRES_ID="POSTGRES_${KP_PG_MAJOR}"
  export BACKSTAGE_TEST_DISABLE_DOCKER=1
}

# Playwright drives the system's Chromium: its own browser download cannot work without internet.
kp_ensure_chromium() {
  export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM_PATH" ]; then
    [ "$CHROMIUM_PATH" = /usr/bin/chromium ] || kp_die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
    kp_apt_install chromium
  fi
}

# Discovery is tested against a real OCI registry (Debian's docker-registry), pushed to with skopeo, with
# htpasswd files made by apache2-utils.
kp_ensure_registry_tools() {
  local missing=()
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  [ "${#missing[@]}" -eq 0 ] || kp_apt_install "${missing[@]}"
}

# Commit signing is tested for real with GnuPG (the Debian packages gpg, gpg-agent and gpgconf), and Git over
# SSH against a real sshd on loopback (openssh-server; ssh and ssh-keygen from openssh-client).
kp_ensure_git_tools() {
  local missing=()
  command -v gpg >/dev/null || missing+=(gpg)
  command -v gpg-agent >/dev/null || missing+=(gpg-agent)
  command -v gpgconf >/dev/null || missing+=(gpgconf)
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  [ "${#missing[@]}" -eq 0 ] || kp_apt_install "${missing[@]}"
}

# Verification's prometheus provider is tested against a real Prometheus (Debian's prometheus package), which the
# test fixture starts on a free loopback port.
kp_ensure_prometheus() {
  command -v prometheus >/dev/null || kp_apt_install prometheus
}
