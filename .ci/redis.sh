#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 (installs and starts one if needed): the
# cache, rate-limit counters and sessions of the pooled tests (CACHE_URL=redis://…).
# The one started here is for tests: loopback only, no persistence (nothing written to disk).
# Production: see docs/operations.md (persistence, maxmemory-policy noeviction, a password).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${REDIS_PORT:-6379}"

answers() (  # PING over bash's /dev/tcp: needs no redis-cli
  exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
  printf 'PING\r\n' >&3
  reply=""
  read -r -t 2 reply <&3 || true
  [[ "$reply" == "+PONG"* ]]
) 2>/dev/null

if answers; then exit 0; fi
mkdir -p var/redis
exec 9>var/redis/.lock
flock 9  # two test workers starting at once: the second finds the first's server answering
if answers; then exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "==> installing Redis"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # The package may have started its own server (on this very port): that one will do.
  for _ in $(seq 1 10); do answers && exit 0; sleep 0.5; done
fi
echo "==> starting Redis on 127.0.0.1:$port"
redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
  --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log" \
  --pidfile "$PWD/var/redis/redis.pid" --databases 16 9>&-  # the daemon keeps no lock
for _ in $(seq 1 30); do answers && exit 0; sleep 0.5; done
echo "Redis did not come up on 127.0.0.1:$port" >&2
exit 1
