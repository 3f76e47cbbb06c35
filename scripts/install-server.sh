#!/usr/bin/env bash
# Install the MariaDB server binaries through apt when neither mariadbd nor mysqld is present.
#   scripts/install-server.sh            the server and client (make setup)
#   scripts/install-server.sh --cluster  also galera-4 (the Galera provider) and rsync (its state
#                                        transfer), for make cluster-up on a fresh Debian/Ubuntu
set -euo pipefail
CLUSTER=0
[ "${1:-}" = "--cluster" ] && CLUSTER=1
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
UPDATED=0
apt_install() {
  [ "$UPDATED" = 1 ] || { $SUDO apt-get update -qq </dev/null; UPDATED=1; }
  $SUDO apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

have_server() {
  local b
  for b in mariadbd mysqld; do
    if command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || [ -x "/usr/libexec/$b" ]; then
      return 0
    fi
  done
  return 1
}

if ! have_server; then
  echo "installing the MariaDB server binaries (apt-get install mariadb-server)..."
  apt_install mariadb-server mariadb-client
  echo "installed: $(command -v mariadbd || ls /usr/sbin/mariadbd)"
fi
if [ "$CLUSTER" = 1 ]; then
  missing=()
  [ -f "${WSREP_PROVIDER:-/usr/lib/galera/libgalera_smm.so}" ] || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} for the Galera cluster..."
    apt_install "${missing[@]}"
  fi
fi
