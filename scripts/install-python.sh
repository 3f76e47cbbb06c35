#!/usr/bin/env bash
# Create the virtual environment and install the package with its test dependencies.
set -euo pipefail
PYTHON="${1:-python3}"
VENV="${2:-.venv}"
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c "import ensurepip" >/dev/null 2>&1; then
  echo "installing python3-venv through apt..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
# a venv left half-made (no pip) by an interrupted run is made again
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
# setuptools announces how it made the editable install; nothing to act on
export PYTHONWARNINGS="ignore:Editable installation"
"$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
"$VENV/bin/python" -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
"$VENV/bin/python" -c "import telco_console, mysql.connector, prettytable, questionary, numpy, sklearn, dateutil, phonenumbers, pytest, pexpect, hypothesis" \
  || { echo "the Python packages did not install"; exit 1; }
