#!/usr/bin/env bash
# Performance regression guard for CI. Not a timed test: it counts instructions with callgrind
# (repeatable for the same binary and input, whatever else the machine is doing) for
# `aimsbook check` and `aimsbook build` on the bundled sample, prints them, and fails only when a
# count exceeds its recorded baseline by more than the headroom (3x by default) — a sign that
# something became quadratic, not noise. Without valgrind it prints a note and passes.
#
# Usage: benches/ci_guard.sh [BIN]       (default target/release/aimsbook)
# Env:   HEADROOM=3   UPDATE=1 (rewrite benches/baseline.txt from this run)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/aimsbook}
HEADROOM=${HEADROOM:-3}
BASELINE=benches/baseline.txt

if ! command -v valgrind >/dev/null 2>&1; then
  echo "ci_guard: valgrind is not installed; instruction counts skipped"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

count() { # label, command...
  local label=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$work/$label.out" "$@" >/dev/null 2>&1 || true
  local ir
  ir=$(grep -m1 '^summary:' "$work/$label.out" | awk '{print $2}')
  echo "$label $ir"
}

results=$(
  count check "$BIN" check sample-aims
  count build "$BIN" build sample-aims -o "$work/portal"
)
echo "ci_guard: instructions (callgrind Ir) on sample-aims:"
echo "$results" | sed 's/^/  /'

if [ "${UPDATE:-0}" = 1 ] || [ ! -f "$BASELINE" ]; then
  echo "$results" > "$BASELINE"
  echo "ci_guard: baseline written to $BASELINE"
  exit 0
fi
fail=0
while read -r label ir; do
  base=$(awk -v l="$label" '$1 == l {print $2}' "$BASELINE")
  [ -n "$base" ] || continue
  limit=$((base * HEADROOM))
  ratio=$(awk -v a="$ir" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  if [ "$ir" -gt "$limit" ]; then
    echo "ci_guard: $label uses ${ratio}x its baseline ($ir > $HEADROOM x $base): a performance regression"
    fail=1
  else
    echo "ci_guard: $label at ${ratio}x its baseline (limit ${HEADROOM}x)"
  fi
done <<< "$results"
exit $fail
