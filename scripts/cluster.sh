#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback for testing the console on a cluster.
#   scripts/cluster.sh up      start nodes 1..3 (ports 3401-3403), create the app database and user
#   scripts/cluster.sh down    stop the nodes (data kept under var/cluster/)
#   scripts/cluster.sh status  wsrep_cluster_size and state of each node
#   scripts/cluster.sh stop-node N / start-node N   (used by the failover test)
#   scripts/cluster.sh env     print the settings that point the console at the cluster
# Nodes run as the `mysql` user, which owns var/cluster/nodeN (the rsync state transfer fails
# as root). scripts/install-server.sh --cluster installs galera-4 and rsync when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${TELCO_CLUSTER_DIR:-$ROOT/var/cluster}"
PROVIDER="${WSREP_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
DB_NAME="${TELCO_CLUSTER_DB:-telco}"
APP_USER="${TELCO_CLUSTER_USER:-telco}"
RUN_AS=mysql
NODES=(1 2 3)
GCOMM="gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573"

need_provider() {
  WSREP_PROVIDER="$PROVIDER" bash "$ROOT/scripts/install-server.sh" --cluster
  command -v mariadbd >/dev/null || { echo "mariadbd is not installed: run make setup" >&2; exit 1; }
  id "$RUN_AS" >/dev/null 2>&1 || { echo "there is no '$RUN_AS' user to run the nodes as" >&2; exit 1; }
}

dir() { echo "$BASE/node$1"; }
port() { echo $((3400 + $1)); }
sock() { echo "$(dir "$1")/mysqld.sock"; }
as_root() { mariadb --no-defaults -uroot --socket="$(sock "$1")" "${@:2}"; }

write_cnf() {
  local n=$1 d; d="$(dir "$n")"
  cat > "$d/my.cnf" <<CNF
[mariadbd]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
tmpdir=$d/tmp
port=$(port "$n")
bind-address=127.0.0.1
user=$RUN_AS
local_infile=1
innodb_buffer_pool_size=128M
innodb_log_file_size=48M
max_connections=200
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=telco_test
wsrep_cluster_address=$GCOMM
wsrep_node_address=127.0.0.1
wsrep_node_name=node$n
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:457$n;ist.recv_addr=127.0.0.1:458$n;gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:459$n
CNF
}

running() { [ -f "$(dir "$1")/mysqld.pid" ] && kill -0 "$(cat "$(dir "$1")/mysqld.pid")" 2>/dev/null; }

# Ready = synced with the cluster (a joined node still applying what it missed is not). A joining
# node writes its pid file only after the state transfer, so the check that it is still alive
# uses the pid of the process started here.
wait_ready() {
  local n=$1 pid=$2 i
  for i in $(seq 1 300); do
    if as_root "$n" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | grep -q Synced; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  echo "node $n did not become ready; see $(dir "$n")/error.log" >&2
  tail -n 20 "$(dir "$n")/error.log" >&2 || true
  return 1
}

start_node() {
  local n=$1 first=${2:-} d; d="$(dir "$n")"
  if running "$n"; then echo "node $n is already running"; return 0; fi
  mkdir -p "$d" "$d/tmp"
  chown "$RUN_AS:$RUN_AS" "$d/tmp"
  write_cnf "$n"
  if [ ! -d "$d/data/mysql" ]; then
    mkdir -p "$d/data"
    chown -R "$RUN_AS:$RUN_AS" "$d"
    if [ "$n" = 1 ] || [ -n "$first" ]; then
      mariadb-install-db --defaults-file="$d/my.cnf" --user="$RUN_AS" --auth-root-authentication-method=normal \
        --skip-test-db >/dev/null
    fi
  fi
  chown -R "$RUN_AS:$RUN_AS" "$d"
  local extra=()
  [ -n "$first" ] && extra=(--wsrep-new-cluster)
  # a node that was the last to stop may be marked safe_to_bootstrap; the first node must be
  if [ -n "$first" ] && [ -f "$d/data/grastate.dat" ]; then
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
  fi
  setsid mariadbd --defaults-file="$d/my.cnf" "${extra[@]}" </dev/null >/dev/null 2>&1 &
  local pid=$!
  disown
  wait_ready "$n" "$pid"
  echo "node $n up on 127.0.0.1:$(port "$n")"
}

stop_node() {
  local n=$1 pid
  running "$n" || { echo "node $n is not running"; return 0; }
  pid="$(cat "$(dir "$n")/mysqld.pid")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { echo "node $n stopped"; return 0; }; sleep 1; done
  echo "node $n did not stop in 60 s" >&2; return 1
}

create_app() {
  local pw_file="$BASE/app-password"
  [ -f "$pw_file" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pw_file"; chmod 600 "$pw_file"; }
  local pw; pw="$(cat "$pw_file")"
  as_root 1 -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
    CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('$pw');
    CREATE USER IF NOT EXISTS '$APP_USER'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$pw');
    GRANT ALL ON \`$DB_NAME\`.* TO '$APP_USER'@'127.0.0.1';
    GRANT ALL ON \`$DB_NAME\`.* TO '$APP_USER'@'localhost';
    CREATE USER IF NOT EXISTS 'tester'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('$pw');
    GRANT ALL ON *.* TO 'tester'@'127.0.0.1' WITH GRANT OPTION;"
}

case "${1:-}" in
  up)
    need_provider
    mkdir -p "$BASE"
    if running 1 || running 2 || running 3; then
      for n in "${NODES[@]}"; do running "$n" || start_node "$n"; done
    else
      start_node 1 first
      start_node 2
      start_node 3
    fi
    create_app
    "$0" status
    ;;
  down)
    for n in 3 2 1; do stop_node "$n"; done
    ;;
  stop-node) stop_node "${2:?node number}" ;;
  start-node) start_node "${2:?node number}" ;;
  status)
    for n in "${NODES[@]}"; do
      if running "$n"; then
        echo "node $n: $(as_root "$n" -N -e "SELECT CONCAT('size ', (SELECT variable_value FROM information_schema.global_status WHERE variable_name='wsrep_cluster_size'), ', ', (SELECT variable_value FROM information_schema.global_status WHERE variable_name='wsrep_local_state_comment'))" 2>/dev/null || echo '?')"
      else
        echo "node $n: stopped"
      fi
    done
    ;;
  env)
    pw="$(cat "$BASE/app-password")"
    echo "TELCO_DATABASE_MODE=external"
    echo "TELCO_DATABASE_HOSTS=127.0.0.1:3401,127.0.0.1:3402,127.0.0.1:3403"
    echo "TELCO_DATABASE_READ_HOSTS=127.0.0.1:3402,127.0.0.1:3403,127.0.0.1:3401"
    echo "TELCO_DATABASE_USER=$APP_USER"
    echo "TELCO_DATABASE_PASSWORD=$pw"
    echo "TELCO_DATABASE_NAME=$DB_NAME"
    echo "TELCO_TEST_DSN=mysql://tester:$pw@127.0.0.1:3401"
    ;;
  *) echo "usage: $0 up|down|status|stop-node N|start-node N|env" >&2; exit 2 ;;
esac
