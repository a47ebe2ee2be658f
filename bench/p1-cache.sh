#!/usr/bin/env bash
# P1: the simulator's bytes re-downloaded, every policy side by side, on every preset, two seeds.
# Prints the tables recorded in docs/benchmarks.md. Needs only the .NET SDK (no daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x artifacts/tidemark ] || scripts/build
for preset in small-ci busy-runner tight-disk; do
  for seed in 1 2; do
    echo "### $preset, seed $seed"
    echo '```'
    /usr/bin/time -f "(compare took %e s, peak RSS %M KB)" ./artifacts/tidemark simulate compare --preset "$preset" --seed "$seed" 2>&1
    echo '```'
  done
done
