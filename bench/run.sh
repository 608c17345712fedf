#!/bin/bash
# bench/run.sh — pmagg side by side with its peers on the generated corpus of ../shared/bench.
#
#   bench/run.sh [STEP] [N]      STEP: all (default) | compare | warm-check | latency | scale | daemon
#
# compare N     cold and warm runs of pmagg, raw_fetch (the transfer floor), newsboat and the
#               python peer on N sources (default 1000): median wall, CPU and peak RSS of REPS runs
# warm-check N  one cold then one warm pmagg run against a logging nginx: classification against
#               truth.tsv, plain posts fetched, and whether the warm run was all conditional
# latency N     compare with 80 ms added to every request (slow_serve.py), pmagg and raw_fetch
# scale         pmagg and raw_fetch at N = 200 500 1000 2000 (SCALE_NS): cost per source
# daemon N      RSS of `pmagg daemon` idle between passes, after one pass over N sources (and
#               the peak of the pass process)
#
# env: REPS (3), PEERS (compare: "raw_fetch newsboat python"), SCALE_NS, HARNESS (the shared
#      harness dir, default ../shared/bench beside the repository), BENCH_DIR (/tmp/pmagg-bench),
#      PMAGG_BIN (default: target/release/pmagg, built here with --locked). For `perf` profiles
#      build `cargo build --profile profiling --locked` (release + line tables, #16) and set
#      PMAGG_BIN=target/profiling/pmagg.
# Installs what it needs (nginx-light newsboat curl sqlite3 time wrk; pip feedparser requests
# beautifulsoup4 lxml) when missing. Results and how to read them: bench/README.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$(realpath "${HARNESS:-$repo/../shared/bench}")
export BENCH_DIR=${BENCH_DIR:-/tmp/pmagg-bench} REPS=${REPS:-3}
step=${1:-all}; N=${2:-1000}
[ -x "$HARNESS/run_bench.sh" ] || { echo "bench: no harness at $HARNESS (set HARNESS)" >&2; exit 2; }

setup() {
  local missing=() tool
  for tool in nginx:nginx-light newsboat:newsboat curl:curl sqlite3:sqlite3 wrk:wrk vmstat:procps; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}" >&2
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
  python3 -c 'import feedparser, requests, bs4, lxml' 2>/dev/null ||
    pip install -q feedparser requests beautifulsoup4 lxml >&2
  if [ -z "${PMAGG_BIN:-}" ]; then
    (cd "$repo" && cargo build --release --locked -q)
    PMAGG_BIN=$repo/target/release/pmagg
  fi
  # Steps run pmagg from their own directories: a relative path would name nothing there.
  PMAGG_BIN=$(realpath "$PMAGG_BIN")
  export PMAGG_BIN
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); pmagg $("$PMAGG_BIN" --version | cut -d' ' -f2) at $(git -C "$repo" rev-parse --short HEAD); $(date -u +%F)"
}

compare() {  # compare N
  echo "== compare, N=$1, REPS=$REPS"
  PEERS=${PEERS:-raw_fetch newsboat python} "$HARNESS/run_bench.sh" "$1"
}

latency() {  # latency N
  echo "== latency (+80 ms per request), N=$1, REPS=$REPS"
  DELAY_MS=80 PEERS=${PEERS:-raw_fetch} "$HARNESS/run_bench.sh" "$1"
}

scale() {
  local n out
  echo "== scale, REPS=$REPS: ms per source (wall, cold and warm) beside the transfer floor"
  printf '%6s %9s %9s %9s %9s %8s %12s %12s\n' N floor_s cold_s warm_s cpu_s rss_MB cold_ms/src warm_ms/src
  for n in ${SCALE_NS:-200 500 1000 2000}; do
    out=$(PEERS=raw_fetch "$HARNESS/run_bench.sh" "$n")
    awk -v n="$n" '
      $1 == "raw_fetch" { floor = $3 }
      $1 == "pmagg" && $2 == "cold" { cold = $3; cpu = $4; rss = $5 }
      $1 == "pmagg" && $2 == "warm" { warm = $3 }
      END { printf "%6d %9.2f %9.2f %9.2f %9.2f %8d %12.2f %12.3f\n", n, floor, cold, warm, cpu, rss,
              1000 * cold / n, 1000 * warm / n }' <<<"$out"
  done
}

# A cold and a warm run with nginx's access log on, scored by bench/score.py.
warm_check() {  # warm_check N
  local corpus work state log cold_lines
  corpus=$(here=$HARNESS; . "$HARNESS/lib.sh"; corpus_for "$1")
  work=$BENCH_DIR/check-$1; rm -rf "$work"; mkdir -p "$work"
  state=$BENCH_DIR/nginx-8089; log=$state/access.log
  "$HARNESS/stop.sh" >/dev/null 2>&1 || true
  rm -f "$log"; ACCESS_LOG=1 BENCH_STATE=$BENCH_DIR "$HARNESS/serve.sh" "$corpus" 8089 >/dev/null
  trap '"$HARNESS/stop.sh" >/dev/null 2>&1 || true' RETURN
  echo "== warm-check, N=$1: one cold and one warm run against a logging nginx"
  (cd "$work" && "$PMAGG_BIN" --config "$corpus/sources.toml" --db "$work/pmagg.db" sync --no-render \
    >"$work/cold.log" 2>&1)
  sleep 0.5; cold_lines=$(wc -l <"$log")
  /usr/bin/time -f '%e %M' -o "$work/warm.time" -- "$PMAGG_BIN" --config "$corpus/sources.toml" \
    --db "$work/pmagg.db" sync --no-render >"$work/warm.log" 2>&1
  sleep 0.5
  head -n "$cold_lines" "$log" >"$work/cold.access"; tail -n +"$((cold_lines + 1))" "$log" >"$work/warm.access"
  python3 "$repo/bench/score.py" "$corpus" "$work/pmagg.db" "$work/cold.access" "$work/warm.access" \
    "$(cat "$work/warm.time")"
}

# RSS of the daemon between passes: one pass over N sources, then idle. The pass runs in a
# child process (`pmagg daemon-pass`), sampled every 0.2 s for its peak.
daemon() {  # daemon N
  local corpus work pid i rss hwm child child_hwm pass_hwm=0
  corpus=$(here=$HARNESS; . "$HARNESS/lib.sh"; corpus_for "$1")
  work=$BENCH_DIR/daemon-$1; rm -rf "$work"; mkdir -p "$work"
  # The corpus config with a pass at the start of every minute and a listener for /metrics.
  sed -e '/^\[settings\]/a schedule = "0 * * * * *"\nlisten = "127.0.0.1:9187"' \
    "$corpus/sources.toml" >"$work/sources.toml"
  "$HARNESS/stop.sh" >/dev/null 2>&1 || true
  BENCH_STATE=$BENCH_DIR "$HARNESS/serve.sh" "$corpus" 8089 >/dev/null
  trap '"$HARNESS/stop.sh" >/dev/null 2>&1 || true' RETURN
  echo "== daemon, N=$1: RSS after its first pass, idle"
  (cd "$work" && exec "$PMAGG_BIN" --config "$work/sources.toml" --db "$work/pmagg.db" daemon \
    >"$work/daemon.log" 2>&1) &
  pid=$!
  for i in $(seq 2000); do
    for child in $(pgrep -P "$pid"); do
      child_hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$child/status" 2>/dev/null)
      [ "${child_hwm:-0}" -gt "$pass_hwm" ] && pass_hwm=$child_hwm
    done
    # Read whole before matching: `grep -q` would quit early and fail curl's pipe.
    if [ $((i % 5)) -eq 0 ] && curl -sf http://127.0.0.1:9187/metrics -o "$work/metrics" 2>/dev/null \
      && grep -q '^pmagg_passes_total{[^}]*} [1-9]' "$work/metrics"; then
      break
    fi
    sleep 0.2
  done
  local daemon_hwm; daemon_hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
  sleep 5   # the pass has ended: let the allocator hand back what it freed
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
  for i in $(seq 10); do
    sleep 1; hwm=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
    [ "$hwm" -gt "$rss" ] && rss=$hwm
  done
  kill -TERM "$pid"; wait "$pid" || true
  echo "daemon: sources the pass reported to the daemon: $(grep -c 'source polled' "$work/daemon.log" || true)"
  echo "daemon: peak RSS of the pass process ${pass_hwm} MB (sampled every 0.2 s); the daemon's own peak ${daemon_hwm} MB; idle after the pass (max of 10 samples over 10 s) ${rss} MB"
}

# CPU the VM lost to its host while the step ran ("st" in vmstat): on a shared host it moved
# the same binary's cold pass by 30%, so a run reports it beside its figures.
report_steal() {
  kill "$steal_pid" 2>/dev/null || true
  awk 'NR > 3 { st += $17; n++ } END { if (n) printf "cpu steal during the run: %.0f%% on average over %d samples of 2 s\n", st / n, n }' "$steal_log"
  rm -f "$steal_log"
}

setup
steal_log=$(mktemp)
vmstat 2 >"$steal_log" 2>/dev/null &
steal_pid=$!
trap report_steal EXIT
case $step in
  compare) compare "$N" ;;
  latency) latency "$N" ;;
  scale) scale ;;
  warm-check) warm_check "$N" ;;
  daemon) daemon "$N" ;;
  all) compare "$N"; warm_check "$N"; latency "$N"; scale; daemon "$N" ;;
  *) echo "bench: unknown step $step (all, compare, warm-check, latency, scale, daemon)" >&2; exit 2 ;;
esac
