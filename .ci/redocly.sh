#!/usr/bin/env bash
# What the OpenAPI lint test needs: Redocly CLI from the npm registry, in .ci/node/ (not
# committed) beside axe-core. Major version 2 (its `recommended` ruleset is what redocly.yaml
# extends); a new major may change the ruleset, so it is a deliberate bump here.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .ci/node/node_modules/.bin/redocly ]; then
  if ! command -v npm >/dev/null; then
    echo "==> installing npm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  echo "==> installing @redocly/cli"
  npm install --silent --no-audit --no-fund --prefix .ci/node @redocly/cli@2.77.0 >/dev/null  # pinned: later releases need Node 22.12, Debian has 20
fi
