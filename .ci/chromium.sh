#!/usr/bin/env bash
# What the browser tests need: Debian's Chromium (Playwright cannot download its own here) and
# axe-core from the npm registry (the accessibility checks), in .ci/node/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f .ci/node/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null; then
    echo "==> installing npm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  echo "==> installing axe-core"
  npm install --silent --no-audit --no-fund --prefix .ci/node axe-core@4 >/dev/null
fi
