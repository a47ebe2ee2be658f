#!/usr/bin/env bash
# P5 — a pull-through cache on a swarm: the bytes an upstream registry serves when a second node
# pulls an image the first node pulled, without and with a registry mirror (docs/scale-out.md).
#
#   bench/p5-mirror.sh [--layers N] [--layer-mb M] [--verbose]
#                      default: 3 layers of 16 MiB (random: they do not compress); --verbose lists
#                      the upstream's requests during each pull
#
# Brings up a three-node bed of its own (scripts/swarm3 up --mirror, in its own directory and
# subnet) and starts two distribution registries on the bed's bridge address: the "upstream" on
# :5000, and a pull-through cache on :5001 (`proxy: remoteurl:` the upstream), which every node's
# daemon lists in its registry-mirrors. It builds an image offline on node 1, pushes it to the
# upstream, then pulls it on nodes 2 and 3:
#   no mirror:      by the upstream's own address (a daemon consults its mirrors only for the
#                   default registry), so each node fetches every layer from the upstream;
#   through mirror: by a default-registry name, so each daemon asks its mirror, which fetches from
#                   the upstream once and serves the second node from its cache.
# "From upstream" is the sum of `http.response.written` in the upstream's log during the pull.
# Everything is taken down again, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

layers=3 layer_mb=16 verbose=0
while [ $# -gt 0 ]; do
  case "$1" in
    --layers) layers=${2:?--layers needs a number}; shift 2 ;;
    --layer-mb) layer_mb=${2:?--layer-mb needs a number}; shift 2 ;;
    -v|--verbose) verbose=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/p5-mirror.sh [--layers N] [--layer-mb M] [--verbose]" >&2; exit 64 ;;
  esac
done

export TIDEMARK_SWARM3_DIR=${TIDEMARK_SWARM3_DIR:-/var/tmp/tidemark-bench-mirror}
export TIDEMARK_SWARM3_SUBNET=${TIDEMARK_SWARM3_SUBNET:-10.213.5.0/24}
host=${TIDEMARK_SWARM3_SUBNET%.0/24}.254
work=$TIDEMARK_SWARM3_DIR.registries
image=tm-bench/app:1

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/swarm3 down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

node() { local n=$1; shift; DOCKER_HOST=unix://$TIDEMARK_SWARM3_DIR/node$n/docker.sock docker "$@"; }

scripts/swarm3 up --mirror >/dev/null
rm -rf "$work" && mkdir -p "$work"

# registry NAME PORT [CONFIG LINE]: a distribution registry on the bridge, logging every response.
registry() {
  local name=$1 port=$2 extra=${3:-}
  cat >"$work/$name.yml" <<YML
version: 0.1
log: { level: info, formatter: text }
storage: { filesystem: { rootdirectory: $work/$name }, delete: { enabled: true } }
http: { addr: "$host:$port" }
$extra
YML
  scripts/swarm3 bridge docker-registry serve "$work/$name.yml" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    scripts/swarm3 bridge curl -sf "http://$host:$port/v2/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  echo "p5: the $name registry did not start" >&2
  exit 1
}
registry upstream 5000
registry mirror 5001 "proxy: { remoteurl: \"http://$host:5000\" }"

# The image: layers of random bytes, built on node 1 from scratch (nothing is pulled).
ctx=$work/context
mkdir -p "$ctx"
echo "FROM scratch" >"$ctx/Dockerfile"
for i in $(seq 1 "$layers"); do
  head -c "$((layer_mb * 1024 * 1024))" /dev/urandom >"$ctx/layer$i"
  echo "COPY layer$i /layer$i" >>"$ctx/Dockerfile"
done
DOCKER_BUILDKIT=0 node 1 build -q -t "$host:5000/$image" "$ctx" >/dev/null 2>&1
node 1 push -q "$host:5000/$image" >/dev/null
size=$(node 1 image inspect --format '{{.Size}}' "$host:5000/$image")

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# pull N REF LABEL: node N pulls REF; prints the bytes the upstream served meanwhile and the time.
pull() {
  local n=$1 ref=$2 label=$3 before t0 t1 bytes
  before=$(wc -l <"$work/upstream.log")
  t0=$(date +%s.%N)
  node "$n" pull -q "$ref" >/dev/null
  t1=$(date +%s.%N)
  sleep 0.5
  bytes=$(tail -n +"$((before + 1))" "$work/upstream.log" | grep -o 'http.response.written=[0-9]*' | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
  printf '%-34s %16s %8.2f s\n' "$label" "$(mb "$bytes")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  if [ $verbose -eq 1 ]; then
    # Fields in logrus's order; a value is quoted only when it needs to be. The API-version pings
    # (GET /v2/, 2 bytes) are left out.
    tail -n +"$((before + 1))" "$work/upstream.log" | grep 'response completed' \
      | sed -E 's/.*http.request.method=([A-Z]+).*http.request.uri="?([^" ]*)"?.*http.response.status=([0-9]+).*http.response.written=([0-9]+).*/    \1 \3 \4 \2/' \
      | grep -v ' /v2/$'
  fi
}

echo "image: $layers layers of $layer_mb MiB, $(mb "$size") unpacked; registries on the bed's bridge ($host)"
printf '%-34s %16s %10s\n' "pull" "from upstream" "time"
pull 2 "$host:5000/$image" "node 2, no mirror"
pull 3 "$host:5000/$image" "node 3, no mirror"
node 2 rmi -f "$host:5000/$image" >/dev/null
node 3 rmi -f "$host:5000/$image" >/dev/null
pull 2 "$image" "node 2, through its mirror (cold)"
pull 3 "$image" "node 3, through its mirror (warm)"
echo "mirror: $(du -sh "$work/mirror" | cut -f1) on disk"
if [ -x artifacts/tidemark ]; then
  for n in 1 2 3; do
    # doctor exits non-zero on a warning elsewhere (no ledger yet, ...): only its mirror line is wanted.
    line=$(DOCKER_HOST=unix://$TIDEMARK_SWARM3_DIR/node$n/docker.sock artifacts/tidemark doctor 2>/dev/null | grep -m1 ' mirrors ' || true)
    echo "doctor, node $n: $(echo "$line" | sed 's/  */ /g')"
  done
fi
