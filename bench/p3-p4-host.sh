#!/usr/bin/env bash
# P3 (one-shot run against ~1000 images) and P4 (footprint) on a private sandbox daemon.
# Prints the figures recorded in docs/benchmarks.md. Needs root (the sandbox), installs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
export TIDEMARK_SANDBOX_DIR=${TIDEMARK_BENCH_DIR:-/var/tmp/tidemark-bench}
export TIDEMARK_SANDBOX_REGISTRY_PORT=${TIDEMARK_BENCH_REGISTRY_PORT:-5003}
command -v hyperfine >/dev/null || { apt-get update -q >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >&2; }
[ -x artifacts/tidemark ] || scripts/build
dotnet build tests/Tidemark.Fixtures -nologo -v:q -clp:NoSummary >/dev/null
scripts/sandbox down >/dev/null 2>&1 || true
trap 'scripts/sandbox down >/dev/null 2>&1 || true' EXIT
eval "$(scripts/sandbox up --size 4G 2>/dev/null)"
sock=${DOCKER_HOST#unix://}
work=$TIDEMARK_SANDBOX_DIR/bench; mkdir -p "$work"

quiet=$work/quiet.toml pressure=$work/pressure.toml
printf '[ledger]\npath = "%s/ledger.json"\n[lock]\npath = "%s/lock"\n' "$work" "$work" > "$quiet"

echo "## P4: footprint, on the demo's CI-host scene"
dotnet tests/Tidemark.Fixtures/bin/Debug/net10.0/Tidemark.Fixtures.dll load-scene ci-host
echo "images: $(docker images -aq | wc -l)"
./artifacts/tidemark run --config "$quiet" >/dev/null
hyperfine -N --warmup 3 --runs 30 --export-markdown "$work/p4.md" \
  -n "tidemark version" "./artifacts/tidemark version" \
  -n "tidemark plan" "./artifacts/tidemark plan --config $quiet" \
  -n "tidemark plan --json" "./artifacts/tidemark plan --json --config $quiet" >/dev/null
cat "$work/p4.md"
for cmd in "version" "plan --config $quiet"; do
  rss=$( { /usr/bin/time -f "%M" ./artifacts/tidemark $cmd >/dev/null; } 2>&1 | tail -1)
  echo "peak RSS, tidemark $cmd: $((rss / 1024)) MB ($rss KB)"
done

./artifacts/tidemark watch --config "$quiet" > "$work/watch.log" 2>&1 &
pid=$!
sleep 10
ticks0=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 60; ticks1=$(awk '{print $14+$15}' /proc/$pid/stat)
hz=$(getconf CLK_TCK)
echo "watch, idle minute: CPU $(( (ticks1 - ticks0) * 1000 / hz )) ms in 60 s; RSS $(awk '/VmRSS/{print $2}' /proc/$pid/status) KB, peak $(awk '/VmHWM/{print $2}' /proc/$pid/status) KB"
kill -TERM $pid; wait $pid || true
docker image ls -aq | xargs -r docker rmi -f >/dev/null 2>&1 || true

dotnet tests/Tidemark.Fixtures/bin/Debug/net10.0/Tidemark.Fixtures.dll load-scene bench-1000
for i in $(seq 1 20); do docker create --network none --name stopped-$i bench/app000$((i % 9)):1 true >/dev/null; done
docker service create -d --name steady --replicas 1 bench/app0001:1 sleep 3600 >/dev/null 2>&1
sleep 5
echo "images: $(docker images -aq | wc -l), containers: $(docker ps -aq | wc -l), services: $(docker service ls -q | wc -l)"

rm -f "$work/ledger.json"
cp "$quiet" "$pressure"
printf '[disk]\nhigh_watermark_percent = 1\nlow_watermark_percent = 1\ncritical_watermark_percent = 100\n[prune]\nmin_age = "0s"\nprotect = ["*"]\n' >> "$pressure"
sed -i 's/high_watermark_percent = 1$/high_watermark_percent = 2/' "$pressure"
# A first run fills the ledger and its layer cache (protect = ["*"]: nothing is removed).
./artifacts/tidemark run --config "$quiet" >/dev/null
./artifacts/tidemark run --config "$pressure" >/dev/null

urls=(_ping v1.41/info "v1.41/containers/json?all=1" "v1.41/images/json?all=1" "v1.41/system/df?verbose=1" "v1.41/services?status=1")
bare="curl -s --unix-socket $sock $(printf 'http://localhost/%s -o /dev/null ' "${urls[@]}")"

echo "## P3: one-shot plan against $(docker images -aq | wc -l) images"
hyperfine -N --warmup 3 --runs 20 --export-markdown "$work/p3.md" \
  -n "bare Engine API calls (one curl, 6 requests)" "$bare" \
  -n "tidemark plan (disk gate holds)" "./artifacts/tidemark plan --config $quiet" \
  -n "tidemark plan (pressure: stages 1+2 over every image, warm ledger)" "./artifacts/tidemark plan --config $pressure" \
  -n "docker system df" "docker system df" \
  -n "docker image ls --filter dangling=true" "docker image ls -q --filter dangling=true" >/dev/null
cat "$work/p3.md"
cold=$work/cold.toml; sed "s#$work/ledger.json#$work/cold-ledger.json#" "$pressure" > "$cold"
hyperfine -N --runs 5 --prepare "rm -f $work/cold-ledger.json" --export-markdown "$work/p3-cold.md" \
  -n "tidemark plan (pressure, no ledger: inspects every image)" "./artifacts/tidemark plan --config $cold" >/dev/null
cat "$work/p3-cold.md"

