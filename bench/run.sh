#!/usr/bin/env bash
# One command for every benchmark: bench/run.sh [--quick] [--build-dir DIR] [--out DIR] [--only SCENARIO...]
# Builds what it needs, then runs the scenarios. The full run writes bench/RESULTS.md and bench/rebuild.png;
# --quick (the CI smoke run on small databases) and --only write them into --out only.
set -euo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$bench_dir")
build_dir=$source_dir/build-bench
out_dir=$bench_dir/out
quick=()
rest=()
while (($#)); do
  case $1 in
    --quick) quick=(--quick); shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done

missing=()
for tool in sqlite3 alembic gnuplot; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  echo "bench: missing ${missing[*]}: apt-get install sqlite3 alembic python3-alembic gnuplot-nox" >&2
  exit 77  # "skipped" for the smoke test, not a failure of litemig
fi

if [[ ! -f $build_dir/build.ninja && ! -f $build_dir/Makefile ]]; then
  # Measured as shipped: self-contained executables (see the release preset), debug info for profiling.
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLITEMIG_SELF_CONTAINED=ON \
    -DLITEMIG_BUILD_TESTS=OFF >/dev/null
fi
targets=(litemig litemig_bench_generate litemig_bench_measure litemig_bench_cluster)
# The app's start-up is measured when the tree builds it.
if cmake --build "$build_dir" --target help | grep -q '^tunetrees:'; then targets+=(tunetrees); fi
if ! build_log=$(cmake --build "$build_dir" --target "${targets[@]}" 2>&1); then
  printf '%s\n' "$build_log" | tail -20 >&2
  echo "bench: the build failed; nothing was measured" >&2
  exit 1
fi

# Only a full run of every scenario replaces bench/RESULTS.md; --quick and --only write into --out.
results=(--results-dir "$bench_dir")
if ((${#quick[@]})) || [[ " ${rest[*]} " == *" --only "* ]]; then results=(); fi
# Debian's python3 is the one Alembic is installed for; no __pycache__ in the source tree.
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$bench_dir/harness/bench.py" "${quick[@]}" --build-dir "$build_dir" --out "$out_dir" \
  "${results[@]}" "${rest[@]}"
