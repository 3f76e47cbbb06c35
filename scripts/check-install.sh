#!/usr/bin/env bash
# Install the program the way a user does and use it from another folder:
#   build a wheel from this checkout, install it into a fresh virtual environment outside the
#   checkout, then from an empty folder run `telco-console --version`, `db migrate`, add an
#   account, load a little demo data and run one report.
# The database: the server of TELCO_TEST_DSN (mysql://user:password@host:port; a throwaway
# database is created and dropped) when set, else the installed copy's own managed server.
# Everything lives in a temporary folder (kept with KEEP=1) and the managed server is stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"                 # makes the fresh virtual environment
BUILDER="$ROOT/.venv/bin/python"            # builds the wheel (make setup's pip; a bare Debian python3 has none)
[ -x "$BUILDER" ] || BUILDER="$PYTHON"
WORK="$(mktemp -d /tmp/telco-install.XXXXXX)"
VENV="$WORK/venv"
RUN="$WORK/elsewhere"
DB_NAME="telco_install_$$"
mkdir -p "$RUN" "$WORK/wheel"
export PYTHONWARNINGS="ignore:Editable installation"
step() { echo "== $*"; }
# run a pip command: its output only when it fails (then the script stops)
quiet() {
  local log rc=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$log" >&2; echo "failed ($rc): $*" >&2; }
  rm -f "$log"
  return "$rc"
}

cleanup() {
  set +e
  if [ -x "$VENV/bin/telco-console" ] && [ -f "$WORK/config.ini" ]; then
    (cd "$RUN" && "$VENV/bin/telco-console" --config "$WORK/config.ini" server stop >/dev/null 2>&1)
  fi
  if [ -n "${TELCO_TEST_DSN:-}" ] && [ -x "$VENV/bin/python" ]; then
    "$VENV/bin/python" - "$DB_NAME" <<'PY' >/dev/null 2>&1
import os, sys
from urllib.parse import unquote, urlparse
import mysql.connector
u = urlparse(os.environ["TELCO_TEST_DSN"])
c = mysql.connector.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=unquote(u.username or "root"),
                            password=unquote(u.password or ""), collation="utf8mb4_general_ci")
c.cursor().execute(f"DROP DATABASE IF EXISTS `{sys.argv[1]}`")
PY
  fi
  [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

step "building the wheel"
(cd "$ROOT" && quiet "$BUILDER" -m pip wheel -q --no-deps -w "$WORK/wheel" .)
rm -rf "$ROOT/build"
WHEEL="$(ls "$WORK"/wheel/telco_console-*.whl)"

step "installing $(basename "$WHEEL") into a fresh virtual environment ($VENV)"
"$PYTHON" -m venv "$VENV"
quiet "$VENV/bin/python" -m pip install -q "$WHEEL"

cd "$RUN"
export NO_COLOR=1 TELCO_NO_PAGER=1
unset TELCO_CONFIG
step "telco-console --version (from $RUN)"
"$VENV/bin/telco-console" --version

if [ -n "${TELCO_TEST_DSN:-}" ]; then
  eval "$("$VENV/bin/python" - "$DB_NAME" <<'PY'
import os, shlex, sys
from urllib.parse import unquote, urlparse
import mysql.connector
u = urlparse(os.environ["TELCO_TEST_DSN"])
args = dict(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=unquote(u.username or "root"),
            password=unquote(u.password or ""))
c = mysql.connector.connect(collation="utf8mb4_general_ci", **args)
c.cursor().execute(f"CREATE DATABASE `{sys.argv[1]}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
for k, v in args.items():
    print(f"DB_{k.upper()}={shlex.quote(str(v))}")
PY
)"
  printf '[database]\nmode = external\nhost = %s\nport = %s\nuser = %s\npassword = %s\nname = %s\n' \
    "$DB_HOST" "$DB_PORT" "$DB_USER" "$DB_PASSWORD" "$DB_NAME" > "$WORK/config.ini"
  step "db migrate against $DB_HOST:$DB_PORT (database $DB_NAME)"
else
  printf '[database]\nmode = managed\nport = %s\n' "$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
    > "$WORK/config.ini"
  step "db migrate on the installed copy's managed server"
fi
chmod 600 "$WORK/config.ini"
tc() { "$VENV/bin/telco-console" --config="$WORK/config.ini" --no-progress "$@"; }
tc db migrate
tc db status | tail -n 3

step "an account, a little demo data and one report"
export TELCO_USER=ci-admin TELCO_PASSWORD="ci-$$-Secret-pass"
tc user add ci-admin --role admin
tc demo load --customers 40 --days 3 --seed 7 >/dev/null
tc report usage-summary --format csv --output "$WORK/usage.csv"
rows=$(($(wc -l < "$WORK/usage.csv") - 1))
[ "$rows" -ge 1 ] || { echo "the report has no rows" >&2; exit 1; }
echo "usage-summary: $rows rows"
if [ -e "$RUN/var" ] || [ -e "$RUN/rejects" ] || [ -n "$(ls -A "$RUN" 2>/dev/null)" ]; then
  echo "the program wrote into the working directory:" >&2; ls -la "$RUN" >&2; exit 1
fi
step "the installed copy works from another folder"
