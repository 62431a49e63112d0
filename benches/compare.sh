#!/usr/bin/env bash
# aimsbook against Hugo and mdBook on the same generated corpus, in one run.
# See benches/README.md for what is measured and the targets.
#
# Usage:  benches/compare.sh [N ...]                      (default: 1000 10000)
# Env:    ROOT=/tmp/aimsbook-bench   results and logs (never under /work)
#         DATA=$ROOT/mem             corpora and build outputs (a tmpfs is mounted here
#                                    when it is not a mount point and we are root)
#         USE_TMPFS=1 TMPFS_SIZE=12g set USE_TMPFS=0 to never mount
#         GEN_CORPUS=../shared/bench/gen_corpus.py   corpus generator (relative to the crate)
#         RUNS=5 WARMUP=1            hyperfine timed / warm-up runs per command
#         MDBOOK_FULL_MAX_N=1000     also time mdBook with its defaults (search index and
#                                    print.html on) for N <= this; it is quadratic (~9 min
#                                    a run at N=10000). The search+print-off variant always runs.
#         MDBOOK_ONE_RUN_N=5000      mdBook at N above this gets one timed run and no warm-up
#                                    (search and print off, it takes ~5 min a run at 10,000)
#         TOOLS="aimsbook hugo mdbook-nosearch-noprint mdbook"   subset to run
#         SERVE_EDITS=20             edits per kind for benches/serve_latency.py (0 skips it)
#         INSTALL=0                  1: install missing tools (apt-get hugo hyperfine time,
#                                    cargo install mdbook --locked, ~3 min); else mdBook is
#                                    skipped with a note and hugo/hyperfine are required
#         REGEN=0 SEED=42            regenerate corpora even if present; corpus seed
#
# Every timed command runs under hyperfine -N (no shell). Before each run (--prepare, not
# timed) the output folder is deleted and the tool's input is read once (cat > /dev/null) so
# that it is in the page cache. Each tool is wrapped in `/usr/bin/time -f "%e %M %U %S"`, so
# every timed run also records its peak RSS (the wrapper is a fork+wait, ~1 ms).
set -euo pipefail

die() { echo "compare.sh: error: $*" >&2; exit 1; }
warn() { echo "compare.sh: warning: $*" >&2; }
note() { echo "compare.sh: $*" >&2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROOT=${ROOT:-/tmp/aimsbook-bench}
DATA=${DATA:-$ROOT/mem}
USE_TMPFS=${USE_TMPFS:-1}
TMPFS_SIZE=${TMPFS_SIZE:-12g}
GEN_CORPUS=${GEN_CORPUS:-$REPO/../shared/bench/gen_corpus.py}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
MDBOOK_FULL_MAX_N=${MDBOOK_FULL_MAX_N:-1000}
MDBOOK_ONE_RUN_N=${MDBOOK_ONE_RUN_N:-5000}
TOOLS=${TOOLS:-"aimsbook hugo mdbook-nosearch-noprint mdbook"}
SERVE_EDITS=${SERVE_EDITS:-20}
INSTALL=${INSTALL:-0}
REGEN=${REGEN:-0}
SEED=${SEED:-42}
NS=("$@")
[ ${#NS[@]} -eq 0 ] && NS=(1000 10000)

# ---------------------------------------------------------------- arguments and paths
for n in "${NS[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n' (usage: $0 [N ...])"
done
for v in RUNS WARMUP MDBOOK_FULL_MAX_N MDBOOK_ONE_RUN_N SERVE_EDITS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
[ "$RUNS" -ge 1 ] || die "RUNS must be at least 1"
for t in $TOOLS; do
  case $t in aimsbook|hugo|mdbook|mdbook-nosearch|mdbook-nosearch-noprint) ;;
    *) die "unknown tool '$t' in TOOLS (aimsbook hugo mdbook mdbook-nosearch mdbook-nosearch-noprint)" ;;
  esac
done
for d in ROOT DATA; do
  p=$(realpath -m "${!d}")
  case "$p" in
    /work|/work/*) die "$d=$p is under /work; benchmark data and results must live elsewhere" ;;
    *[[:space:]]*) die "$d=$p contains whitespace; hyperfine commands are split on spaces" ;;
  esac
  printf -v "$d" '%s' "$p"
done
[ -f "$GEN_CORPUS" ] || die "corpus generator not found at GEN_CORPUS=$GEN_CORPUS
  (it is ../shared/bench/gen_corpus.py beside the crate; set GEN_CORPUS=/path/to/gen_corpus.py)"
[ -f "$HERE/serve_latency.py" ] || die "missing $HERE/serve_latency.py"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"

# ---------------------------------------------------------------- tools
have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  [ "$(id -u)" = 0 ] || die "INSTALL=1 needs root for apt-get install $*"
  note "installing $* with apt-get"
  apt-get install -y "$@" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$@" >/dev/null; } \
    || die "apt-get install -y $* failed"
}
need_apt() {  # command, package
  have "$1" && return 0
  [ "$INSTALL" = 1 ] || die "$1 not found; install it with 'apt-get install -y $2' (or run with INSTALL=1)"
  apt_install "$2"
  have "$1" || die "$1 still not found after installing $2"
}
have cargo || die "cargo not found (need a Rust toolchain, see README.md)"
have python3 || die "python3 not found"
need_apt hyperfine hyperfine
[ -x /usr/bin/time ] || { [ "$INSTALL" = 1 ] && apt_install time; } \
  || die "/usr/bin/time (GNU time) not found; apt-get install -y time (or INSTALL=1)"
if [[ " $TOOLS " == *" hugo "* ]]; then need_apt hugo hugo; fi
if [[ " $TOOLS " == *" mdbook"* ]] && ! have mdbook; then
  if [ "$INSTALL" = 1 ]; then
    note "installing mdbook with 'cargo install mdbook --locked' (about 3 minutes)"
    cargo install mdbook --locked || die "cargo install mdbook --locked failed"
    have mdbook || die "mdbook installed but not on PATH (${CARGO_HOME:-$HOME/.cargo}/bin)"
  else
    note "NOTE: mdbook not found; skipping mdBook (run with INSTALL=1 to 'cargo install mdbook --locked')"
    TOOLS=$(printf '%s\n' $TOOLS | { grep -v '^mdbook' || true; } | xargs)
  fi
fi

# ---------------------------------------------------------------- storage
RES=$ROOT/results
mkdir -p "$RES" "$DATA"
if mountpoint -q "$DATA"; then
  :
elif [ "$USE_TMPFS" = 1 ] && [ "$(id -u)" = 0 ]; then
  mount -t tmpfs -o "size=$TMPFS_SIZE" tmpfs "$DATA" \
    || die "could not mount a tmpfs on $DATA (set USE_TMPFS=0 to use the disk)"
  note "mounted a $TMPFS_SIZE tmpfs on $DATA (umount $DATA to free it)"
fi
FSTYPE=$(findmnt -no FSTYPE -T "$DATA" || echo unknown)
if [ "$FSTYPE" != tmpfs ]; then
  warn "no tmpfs (not root, or USE_TMPFS=0): corpora and outputs go to $DATA on $FSTYPE;" \
       "repeated rm -rf + rebuild on disk drifts, so compare tools within one run only"
fi
mkdir -p "$DATA/out" "$DATA/tmp"

# This run's rows only: summaries read the manifest, not whatever older runs left in $RES.
MANIFEST=$RES/manifest.tsv
: > "$MANIFEST"
: > "$RES/commands.txt"

# ---------------------------------------------------------------- build aimsbook
# The `dist` profile (fat LTO) is what we ship; PROFILE=release measures the quick-compile one.
PROFILE=${PROFILE:-dist}
note "== cargo build --profile $PROFILE (in $REPO)"
if ! (cd "$REPO" && cargo build --locked --profile "$PROFILE") > "$RES/cargo-build.log" 2>&1; then
  tail -n 30 "$RES/cargo-build.log" >&2
  die "cargo build --profile $PROFILE failed (full log: $RES/cargo-build.log)"
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
[ -x "$TARGET_DIR/$PROFILE/aimsbook" ] || die "no binary at $TARGET_DIR/$PROFILE/aimsbook after the build"
# Freeze a copy: src/ is edited concurrently and a later cargo build must not swap the binary
# under a running benchmark.
mkdir -p "$ROOT/bin"
cp -f "$TARGET_DIR/$PROFILE/aimsbook" "$ROOT/bin/aimsbook"
BIN=$ROOT/bin/aimsbook

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
       "$(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r); data on $FSTYPE ($DATA)"
  echo "aimsbook: $("$BIN" --version 2>&1), commit" \
       "$(cd "$REPO" && git --no-optional-locks describe --always --dirty 2>/dev/null || echo unknown)"
  echo "hugo: $(have hugo && hugo version 2>&1 || echo 'not used')"
  echo "mdbook: $(have mdbook && mdbook --version 2>&1 || echo 'not installed')"
  echo "hyperfine: $(hyperfine --version)"
  echo "rustc: $(rustc --version 2>&1)"
  echo "runs: $RUNS timed + $WARMUP warm-up; N: ${NS[*]}; tools: $TOOLS"
} > "$RES/versions.txt"
cat "$RES/versions.txt"

# ---------------------------------------------------------------- benchmark helpers
# bench N NAME INPUTS CMD...   (INPUTS: space-separated folders pre-read before each run)
bench() {
  local n=$1 name=$2 inputs=$3 out=$4; shift 4
  local cmd="$*" rss=$RES/rss-$n-$name.txt prep runs=$RUNS warmup=$WARMUP
  if [[ $name == mdbook* ]] && [ "$n" -gt "$MDBOOK_ONE_RUN_N" ]; then
    runs=1 warmup=0
    note "NOTE: mdBook at N=$n > MDBOOK_ONE_RUN_N=$MDBOOK_ONE_RUN_N: one timed run, no warm-up"
  fi
  : > "$rss"
  if [ -n "$out" ]; then
    prep="sh -c 'rm -rf $out && find $inputs -type f -exec cat {} + >/dev/null'"
  else
    prep="sh -c 'find $inputs -type f -exec cat {} + >/dev/null'"
  fi
  echo "N=$n $name: hyperfine -N --warmup $warmup --runs $runs --prepare \"$prep\" '$cmd'" >> "$RES/commands.txt"
  note "== N=$n $name: $cmd"
  hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
    --prepare "$prep" --command-name "$name N=$n" \
    --export-json "$RES/hf-$n-$name.json" \
    "/usr/bin/time -a -o $rss -f '%e %M %U %S' $cmd" \
    || die "hyperfine failed for '$cmd' (run it by hand to see the tool's own error)"
  local pages=0
  [ -n "$out" ] && pages=$(find "$out" -type f -name '*.html' | wc -l)
  printf '%s\t%s\t%s\n' "$n" "$name" "$pages" >> "$MANIFEST"
}

# ---------------------------------------------------------------- per N
for N in "${NS[@]}"; do
  C=$DATA/corpus-$N
  if [ "$REGEN" = 1 ] || [ ! -f "$C/.complete-seed-$SEED" ]; then
    note "== generating $C (N=$N, seed $SEED, layouts plain,hugo,mdbook)"
    python3 "$GEN_CORPUS" "$N" "$C" --seed "$SEED" --layouts plain,hugo,mdbook --force \
      | tee "$RES/gen-$N.txt" || die "gen_corpus.py failed for N=$N"
    touch "$C/.complete-seed-$SEED"
  else
    note "== reusing $C (REGEN=1 to regenerate)"
  fi

  # One unmeasured run of check first: fail with the tool's own message if the corpus does not
  # check clean, rather than with hyperfine's "non-zero exit code".
  "$BIN" check "$C/plain" > "$RES/check-$N.log" 2>&1 \
    || { tail -n 20 "$RES/check-$N.log" >&2; die "aimsbook check $C/plain failed (log: $RES/check-$N.log)"; }

  O=$DATA/out/$N
  mkdir -p "$O"
  for tool in $TOOLS; do
    case $tool in
      aimsbook) bench "$N" aimsbook "$C/plain" "$O/aimsbook" "$BIN" build "$C/plain" -o "$O/aimsbook" ;;
      hugo)     bench "$N" hugo "$C/hugo" "$O/hugo" hugo --quiet -s "$C/hugo" -d "$O/hugo" ;;
      mdbook*)
        if [ "$tool" = mdbook ] && [ "$N" -gt "$MDBOOK_FULL_MAX_N" ]; then
          note "NOTE: skipping mdBook with defaults at N=$N > MDBOOK_FULL_MAX_N=$MDBOOK_FULL_MAX_N (~9 min a run at 10,000)"
          continue
        fi
        bench "$N" "$tool" "$C/mdbook $C/$tool" "$O/$tool" mdbook build "$C/$tool" -d "$O/$tool" ;;
    esac
  done
  bench "$N" check "$C/plain" "" "$BIN" check "$C/plain"

  if [ "$SERVE_EDITS" -gt 0 ]; then
    note "== N=$N serve latency: python3 benches/serve_latency.py $BIN $C/plain --edits $SERVE_EDITS"
    (cd "$REPO" && TMPDIR=$DATA/tmp python3 benches/serve_latency.py "$BIN" "$C/plain" --edits "$SERVE_EDITS") \
      > "$RES/serve-$N.md" || die "serve_latency.py failed for N=$N"
    cat "$RES/serve-$N.md"
  fi
done

# ---------------------------------------------------------------- tables
python3 - "$RES" > "$RES/results.md" <<'PY'
import json, os, re, statistics, sys

res = sys.argv[1]
LABEL = {
    "aimsbook": "aimsbook build", "hugo": "Hugo",
    "mdbook-nosearch-noprint": "mdBook, search and print off",
    "mdbook-nosearch": "mdBook, search off", "mdbook": "mdBook (defaults)",
}
ORDER = ["aimsbook", "hugo", "mdbook-nosearch-noprint", "mdbook-nosearch", "mdbook"]

rows = {}
for line in open(os.path.join(res, "manifest.tsv")):
    n, tool, pages = line.rstrip("\n").split("\t")
    n = int(n)
    r = json.load(open(os.path.join(res, "hf-%d-%s.json" % (n, tool))))["results"][0]
    times = r["times"]
    rss_lines = [l.split() for l in open(os.path.join(res, "rss-%d-%s.txt" % (n, tool)))
                 if re.match(r"^[0-9.]+ \d+ ", l)]
    rss = [int(x[1]) for x in rss_lines[max(len(rss_lines) - len(times), 0):]]  # drop warm-ups
    rows[(n, tool)] = dict(n=n, tool=tool, pages=int(pages), runs=len(times),
                           med=statistics.median(times), lo=min(times), hi=max(times),
                           rss=max(rss) * 1024 / 1e6 if rss else float("nan"))

ns = sorted({n for n, _ in rows})
out = []
p = out.append
p("## Build (median of %s timed runs after warm-up)" % sorted({x["runs"] for x in rows.values()}))
p("")
p("| tool | N | median wall (s) | min-max (s) | ratio to Hugo | pages | pages/s | peak RSS (MB) |")
p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n in ns:
    hugo = rows.get((n, "hugo"))
    for tool in ORDER:
        x = rows.get((n, tool))
        if not x:
            continue
        ratio = "%.3f" % (x["med"] / hugo["med"]) if hugo else "-"
        p("| %s | %d | %.3f | %.3f-%.3f | %s | %d | %.0f | %.0f |" % (
            LABEL[tool], n, x["med"], x["lo"], x["hi"], ratio, x["pages"],
            x["pages"] / x["med"], x["rss"]))
p("")
p("## aimsbook check")
p("")
p("| N | median wall (s) | min-max (s) | peak RSS (MB) |")
p("| ---: | ---: | ---: | ---: |")
for n in ns:
    x = rows.get((n, "check"))
    if x:
        p("| %d | %.3f | %.3f-%.3f | %.0f |" % (n, x["med"], x["lo"], x["hi"], x["rss"]))

serve = {}
for n in ns:
    path = os.path.join(res, "serve-%d.md" % n)
    if not os.path.exists(path):
        continue
    text = open(path).read()
    p("")
    p("## aimsbook serve rebuild latency, N=%d" % n)
    p("")
    p(text.rstrip("\n"))
    m = re.search(r"^\| body edit \| ([0-9.]+) \|", text, re.M)
    if m:
        serve[n] = float(m.group(1))

# Targets (benches/README.md), where this run measured what they need.
checks = []
for n in (1000, 10000):
    a, h = rows.get((n, "aimsbook")), rows.get((n, "hugo"))
    if a and h:
        r = a["med"] / h["med"]
        checks.append(("build at %d <= 0.2 x Hugo" % n, "%.3f x" % r, r <= 0.2))
a1, a10 = rows.get((1000, "aimsbook")), rows.get((10000, "aimsbook"))
if a1 and a10:
    r = a10["med"] / a1["med"]
    checks.append(("build 10k <= 11 x 1k", "%.1f x" % r, r <= 11))
if a10:
    checks.append(("build peak RSS at 10k <= 300 MB", "%.0f MB" % a10["rss"], a10["rss"] <= 300))
c10 = rows.get((10000, "check"))
if c10:
    checks.append(("check at 10k <= 0.5 s", "%.3f s" % c10["med"], c10["med"] <= 0.5))
for n, lim in ((1000, 20), (10000, 100)):
    if n in serve:
        checks.append(("serve body-edit median at %d <= %d ms" % (n, lim), "%.1f ms" % serve[n],
                       serve[n] <= lim))
if checks:
    p("")
    p("## Targets")
    p("")
    p("| target | measured | |")
    p("| --- | ---: | --- |")
    for name, val, ok in checks:
        p("| %s | %s | %s |" % (name, val, "met" if ok else "MISSED"))
print("\n".join(out))
PY
echo
cat "$RES/results.md"
echo
note "raw hyperfine JSON, RSS logs and results.md in $RES"
