# Telco Console: `make run` opens the console on demo data; `make test` runs the suite.
# Both create .venv, install the package, and install the MariaDB server binaries through apt
# when neither mariadbd nor mysqld is present.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SCALE  ?= 1000000

.PHONY: setup server-binaries run test bench demo clean-db cluster-up cluster-down cluster-test permissions-doc

setup: server-binaries $(STAMP)

server-binaries:
	@bash scripts/install-server.sh

$(STAMP): setup.cfg pyproject.toml
	@bash scripts/install-python.sh $(PYTHON) $(VENV)
	@touch $(STAMP)

run: setup
	@$(BIN)/telco-console demo load --if-empty
	@$(BIN)/telco-console

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/permissions.md from the permission matrix (telco_console/permissions.py); a test checks they agree
permissions-doc: setup
	$(BIN)/python -m telco_console.permissions --write docs/permissions.md

bench: setup
	$(BIN)/python -m bench --scale $(SCALE)

clean-db:
	-@$(BIN)/telco-console server stop
	rm -rf var/mysql

# A 3-node MariaDB Galera cluster on loopback ports 3401-3403 (var/cluster/, nodes run as mysql).
cluster-up: setup
	@bash scripts/cluster.sh up

cluster-down:
	@bash scripts/cluster.sh down

# The test suite against the cluster (TELCO_TEST_DSN = node 1), including the test that stops
# node 1 during an import and a bill run. PYTEST_ARGS narrows it, e.g. PYTEST_ARGS=tests/test_cluster.py
cluster-test: cluster-up
	@set -a && eval "$$(bash scripts/cluster.sh env | grep -E '^TELCO_TEST_DSN=')" && set +a && \
	  TELCO_CLUSTER=1 $(BIN)/python -m pytest $(PYTEST_ARGS)
