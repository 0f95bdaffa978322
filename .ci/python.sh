#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 on this machine, or fails with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
candidates=(python3 python3.14 python3.13 python3.12)
for candidate in "${candidates[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    command -v "$candidate"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | sort -rV); do
    case "$version" in 3.1[2-9]*|3.[2-9][0-9]*)
      path="$(pyenv root)/versions/$version/bin/python3"
      [ -x "$path" ] && { echo "$path"; exit 0; } ;;
    esac
  done
fi
echo "Causeloop needs Python 3.12 or newer; none was found (tried ${candidates[*]} and pyenv)." >&2
exit 1
