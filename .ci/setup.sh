#!/usr/bin/env bash
# Creates .venv with every package Causeloop and its tests need. Idempotent and quick when
# nothing changed (a stamp of pyproject.toml is kept inside the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev}"
if [ ! -x .venv/bin/python ]; then
  python="$(bash .ci/python.sh)"
  echo "==> creating .venv with $python ($("$python" --version))"
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  echo "==> installing packages ($extras)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -U pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  cp pyproject.toml "$stamp"
fi
