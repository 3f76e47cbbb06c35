#!/usr/bin/env bash
# Install the MariaDB server binaries through apt when neither mariadbd nor mysqld is present.
set -euo pipefail
for b in mariadbd mysqld; do
  if command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || [ -x "/usr/libexec/$b" ]; then
    exit 0
  fi
done
echo "installing the MariaDB server binaries (apt-get install mariadb-server)..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
echo "installed: $(command -v mariadbd || ls /usr/sbin/mariadbd)"
