#!/usr/bin/env bash
# pytest, with its exit status passed on and spelled out (make and .ci/run stop on any but 0):
#   0 all passed   1 some failed   2 interrupted   3 internal error   4 usage error
#   5 no tests collected: an error here, the selection (markers, paths, -k) matched nothing
# usage: scripts/pytest.sh PYTHON [pytest arguments...]
PYTHON="$1"; shift
# Compiled modules are cached (__pycache__, ignored by git) even where the environment sets
# PYTHONDONTWRITEBYTECODE: without the cache each run, and each xdist worker, compiles every
# module again and pytest rewrites the asserts of every test file, about 4 s of a worker's start.
unset PYTHONDONTWRITEBYTECODE
"$PYTHON" -m pytest "$@"
rc=$?
case $rc in
  0) exit 0 ;;
  1) what="some tests failed" ;;
  2) what="the run was interrupted" ;;
  3) what="pytest hit an internal error" ;;
  4) what="pytest was called wrongly (usage error)" ;;
  5) what="no tests were collected: the selection matched nothing" ;;
  *) what="unexpected exit status" ;;
esac
echo "pytest: exit status $rc: $what" >&2
exit "$rc"
