# Telco Console: `make run` opens the console on demo data; `make test` runs the suite.
# Both create .venv, install the package, and install the MariaDB server binaries through apt
# when neither mariadbd nor mysqld is present.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SCALE  ?= 1000000
# the settings `make run` and `make clean-db` use (the checkout's own; its data in var/)
CONFIG ?= $(or $(TELCO_CONFIG),$(CURDIR)/config.ini)
TC      = TELCO_CONFIG=$(CONFIG) $(BIN)/telco-console

# make test-fast: the inner loop, without the tests marked e2e (pexpect), kill (kill -9 of a
# server), property (Hypothesis), slow (wheel builds, the 50,000-row deck, the BigML validation,
# scikit-learn imported in a fresh interpreter) or load (8 sessions for 4 s), on two workers:
# under a minute on the 2-core machine (docs/performance.md)
FAST_MARKERS    ?= not e2e and not kill and not property and not slow and not load
# make cluster-test: what matters on a cluster (every test of the database and the cluster's own),
# not the Hypothesis properties or the single-server kill -9 and terminal tests
CLUSTER_MARKERS ?= not e2e and not kill and not property and not slow
PYTEST          = bash scripts/pytest.sh $(BIN)/python

.PHONY: setup server-binaries run test test-fast lint bench clean-db cluster-up cluster-down cluster-test \
        permissions-doc

setup: server-binaries $(STAMP)

server-binaries:
	@bash scripts/install-server.sh

$(STAMP): setup.cfg setup.py pyproject.toml
	@bash scripts/install-python.sh $(PYTHON) $(VENV)
	@touch $(STAMP)

run: setup
	@$(TC) demo load --if-empty
	@$(TC)

test: setup
	@$(PYTEST) $(PYTEST_ARGS)

test-fast: setup
	@$(PYTEST) -q -n 2 -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# ruff: lint and import order (settings in pyproject.toml)
lint: setup
	@$(BIN)/ruff check .

# docs/permissions.md from the permission matrix (telco_console/permissions.py); a test checks they agree
permissions-doc: setup
	$(BIN)/python -m telco_console.permissions --write docs/permissions.md

bench: setup
	$(BIN)/python -m bench --scale $(SCALE)

clean-db:
	-@$(TC) server stop
	rm -rf var/mysql

# A 3-node MariaDB Galera cluster on loopback ports 3401-3403 (var/cluster/, nodes run as mysql).
cluster-up: setup
	@bash scripts/cluster.sh up

cluster-down:
	@bash scripts/cluster.sh down

# The suite against the cluster (TELCO_TEST_DSN = node 1, TELCO_CLUSTER=1) with CLUSTER_MARKERS,
# including tests/test_cluster.py, which stops node 1 during an import and a bill run.
# PYTEST_ARGS narrows it, e.g. PYTEST_ARGS=tests/test_cluster.py
cluster-test: cluster-up
	@set -a && eval "$$(bash scripts/cluster.sh env | grep -E '^TELCO_TEST_DSN=')" && set +a && \
	  TELCO_CLUSTER=1 $(PYTEST) -m "$(CLUSTER_MARKERS)" $(PYTEST_ARGS)
