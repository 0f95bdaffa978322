#!/usr/bin/env bash
# Creates .venv with the packages Causeloop needs. Idempotent and quick when nothing changed (a
# stamp of pyproject.toml is kept inside the venv for each set).
#   bash .ci/setup.sh run   what running the app needs (pyproject's `dependencies`): `make run`
#   bash .ci/setup.sh dev   that plus the test, lint and type tools (the `dev` extra): `make test`, CI
set -euo pipefail
cd "$(dirname "$0")/.."
set_name="${1:-dev}"
case "$set_name" in
  run) target="." ;;
  dev) target=".[dev]" ;;
  *) echo "usage: bash .ci/setup.sh run|dev (got \"$set_name\")" >&2; exit 2 ;;
esac
if [ ! -x .venv/bin/python ]; then
  python="$(bash .ci/python.sh)"
  echo "==> creating .venv with $python ($("$python" --version))"
  "$python" -m venv .venv
fi
installed() { [ -f ".venv/.installed-$1" ] && cmp -s pyproject.toml ".venv/.installed-$1"; }
# The dev set holds the run set: a venv set up for the tests runs the app as it is.
if installed "$set_name" || { [ "$set_name" = run ] && installed dev; }; then
  exit 0
fi
echo "==> installing packages ($set_name)"
.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
cp pyproject.toml ".venv/.installed-$set_name"
