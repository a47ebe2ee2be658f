#!/usr/bin/env bash
# P6 — what Tidemark costs each node of a swarm (docs/scale-out.md): deploy/swarm/stack.yml
# (global) on a three-node bed of its own, each node holding the `ci-host` scene's images, then,
# per node over a measured window: the task's RSS, its CPU time per cycle, the Engine API calls its
# cycles make, the daemon's event rate, and the daemon's own RSS.
#
#   bench/p6-swarm-footprint.sh [--window SECONDS] [--interval DURATION]   default: 120 s, "10s"
#
# API calls are counted from each dockerd's debug log ("Calling METHOD /path"), so the bed runs
# with --debug; calls by anything but Tidemark (the bench's own, swarm's) are left out by
# counting only the window, in which nothing else talks to the daemons. Events are what
# `docker events` returns for the window. Everything is taken down again, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

window=120 interval=10s
while [ $# -gt 0 ]; do
  case "$1" in
    --window) window=${2:?--window needs seconds}; shift 2 ;;
    --interval) interval=${2:?--interval needs a duration like 10s}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/p6-swarm-footprint.sh [--window SECONDS] [--interval DURATION]" >&2; exit 64 ;;
  esac
done

export TIDEMARK_SWARM3_DIR=${TIDEMARK_SWARM3_DIR:-/var/tmp/tidemark-bench-footprint}
export TIDEMARK_SWARM3_SUBNET=${TIDEMARK_SWARM3_SUBNET:-10.213.6.0/24}
dir=$TIDEMARK_SWARM3_DIR
[ -n "${TIDEMARK_BENCH_KEEP:-}" ] || trap 'DOCKER_HOST=unix://$dir/node1/docker.sock docker stack rm tidemark >/dev/null 2>&1 || true; scripts/swarm3 down >/dev/null 2>&1 || true' EXIT
node() { local n=$1; shift; DOCKER_HOST=unix://$dir/node$n/docker.sock DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 "$@"; }

dotnet build tests/Tidemark.Fixtures -nologo -v:q -clp:NoSummary >/dev/null
[ -n "${TIDEMARK_BENCH_KEEP:-}" ] || scripts/swarm3 down >/dev/null 2>&1 || true
scripts/swarm3 up --debug --size 2G >/dev/null
image=$(node 1 scripts/image 2>/dev/null | tail -1)
for n in 2 3; do node 1 docker save "$image" | node "$n" docker load >/dev/null; done
for n in 1 2 3; do
  node "$n" dotnet tests/Tidemark.Fixtures/bin/Debug/net10.0/Tidemark.Fixtures.dll load-scene ci-host >/dev/null
  mkdir -p "$dir/node$n/state"
done
images=$(node 2 docker image ls -aq | wc -l)

config=$dir/stack.toml
printf '[watch]\ninterval = "%s"\n[metrics]\nfile = "/var/lib/tidemark/tidemark.prom"\n' "$interval" >"$config"
node 1 env TIDEMARK_IMAGE="$image" TIDEMARK_CONFIG_FILE="$config" TIDEMARK_STATE_DIR=/run/tidemark-node/state \
  DOCKER_SOCKET=/run/tidemark-node/docker.sock DOCKER_DATA_ROOT=/run/tidemark-node/data \
  docker stack deploy --resolve-image never -c deploy/swarm/stack.yml tidemark >/dev/null

# in_node N PID: PID descends from node N's namespaces' init (containers have PID namespaces of
# their own, so the ancestry tells whose a process is).
in_node() {
  local holder p=$2
  holder=$(cat "$dir/node$1/holder.pid")
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    [ "$p" = "$holder" ] && return 0
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
  done
  return 1
}
pid_of() { local p; for p in $(pgrep -f '/usr/bin/tidemark watch'); do in_node "$1" "$p" && { echo "$p"; return 0; }; done; return 1; }
cycles_of() { awk '/^tidemark_cycles_total/ { s += $2 } END { print s + 0 }' "$dir/node$1/state/tidemark.prom" 2>/dev/null || echo 0; }
calls_of() { grep -c 'Calling [A-Z]* /' "$dir/node$1/dockerd.log" || true; }
# dockerd_of N: node N's dockerd, found by its PID namespace (nsenter started it, not the init).
dockerd_of() { local ns p; ns=$(readlink "/proc/$(cat "$dir/node$1/holder.pid")/ns/pid")
  for p in $(pgrep -x dockerd); do [ "$(readlink "/proc/$p/ns/pid")" = "$ns" ] && { echo "$p"; return 0; }; done; }

for _ in $(seq 1 120); do
  ok=1; for n in 1 2 3; do { pid_of "$n" >/dev/null && [ "$(cycles_of "$n")" -ge 1 ]; } || ok=0; done
  [ $ok -eq 1 ] && break; sleep 1
done
[ $ok -eq 1 ] || { echo "p6: the stack's tasks did not all start and cycle" >&2; exit 1; }
sleep 5

hz=$(getconf CLK_TCK)
declare -A pid ticks0 cycles0 calls0 calls_in
since=$(date +%s)
for n in 1 2 3; do
  pid[$n]=$(pid_of "$n"); ticks0[$n]=$(awk '{ print $14 + $15 }' "/proc/${pid[$n]}/stat")
  cycles0[$n]=$(cycles_of "$n"); calls0[$n]=$(calls_of "$n")
done
sleep "$window"
until=$(date +%s)

echo "window: $window s, [watch] interval $interval, $images images on each node (ci-host scene), image $image"
printf '%-20s %9s %9s %9s %14s %14s %12s %12s\n' node cycles "RSS MB" "peak MB" "CPU ms/cycle" "API calls/cyc" "events/min" "dockerd MB"
for n in 1 2 3; do
  p=${pid[$n]}
  ticks=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
  cycles=$(( $(cycles_of "$n") - cycles0[$n] ))
  calls=$(( $(calls_of "$n") - calls0[$n] )); calls_in[$n]=$calls
  events=$(node "$n" docker events --since "$since" --until "$until" | wc -l)
  role=worker; [ "$n" -eq 1 ] && role=manager
  awk -v n="node $n ($role)" -v c="$cycles" -v rss="$(awk '/VmRSS/ { print $2 }' "/proc/$p/status")" \
    -v hwm="$(awk '/VmHWM/ { print $2 }' "/proc/$p/status")" -v t="$((ticks - ticks0[$n]))" -v hz="$hz" -v calls="$calls" \
    -v ev="$events" -v w="$window" -v d="$(awk '/VmRSS/ { print $2 }' "/proc/$(dockerd_of "$n")/status")" 'BEGIN {
      printf "%-20s %9d %9.1f %9.1f %14.1f %14.1f %12.1f %12.1f\n", n, c, rss / 1024, hwm / 1024, c ? t * 1000 / hz / c : 0, c ? calls / c : 0, ev * 60 / w, d / 1024 }'
done
echo "API calls by path over the window, node 2 (a worker) and node 1 (the manager):"
for n in 2 1; do
  echo "  node $n: $(grep -o 'Calling [A-Z]* /[^ "]*' "$dir/node$n/dockerd.log" | tail -n +"$((calls0[$n] + 1))" | head -n "${calls_in[$n]}" \
    | sed -E 's#/v1\.[0-9]+##; s#\?.*##' | sort | uniq -c | sort -rn | awk '{ printf "%s %s %s; ", $1, $3, $4 }')"
done
