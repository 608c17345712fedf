#!/usr/bin/env bash
# Site latency (#17): `pmagg serve` over a generated collection of N postmortems, measured
# with wrk on loopback: the index page, and the index with a text filter (FTS5 + snippets).
# Then the idle RSS of `pmagg daemon` with the site off and on. A benchmark, never a test.
#
#   bench/site.sh            # N = 1000 and 10000
#   NS="1000" bench/site.sh  # one size
#
# Builds target/bench-site/pmagg (release without fat LTO: `--profile bench-site`) unless
# PMAGG_BIN names a binary. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${NS:-"1000 10000"}
DURATION=${DURATION:-10s}
WORK=${BENCH_DIR:-/tmp/pmagg-site-bench}
mkdir -p "$WORK"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
if [[ -z "${PMAGG_BIN:-}" ]]; then
  cargo build --locked --profile bench-site --bin pmagg
  PMAGG_BIN=target/bench-site/pmagg
fi

# A dated list of N entries: companies, words and years drawn from small pools.
make_list() {
  python3 - "$1" <<'PY'
import random, sys
n = int(sys.argv[1]); rng = random.Random(17)
companies = [f"Company{i}" for i in range(400)]
what = ["database", "network", "DNS", "certificate", "deploy", "config push", "disk", "cache",
        "load balancer", "queue", "storage", "power", "BGP", "replication", "memory"]
how = ["outage", "degradation", "data loss", "latency spike", "partial outage", "failover"]
print("# Incidents\n")
for i in range(n):
    y = rng.randint(2010, 2025); m = rng.randint(1, 12); d = rng.randint(1, 28)
    c = rng.choice(companies)
    t = f"{rng.choice(what).capitalize()} {rng.choice(how)} in {rng.choice(what)} number {i}"
    print(f"- {m:02d}-{d:02d}-{y} - [{t}](https://e{i}.example/pm/{i}) by [{c}](https://{c.lower()}.example/)")
PY
}

latency() { # name url [connections]
  local out conns=${3:-8}
  # One second of warm-up: the first search on each connection builds its curated index.
  wrk -t2 -c8 -d1s "$2" >/dev/null 2>&1
  out=$(wrk -t"$(( conns < 2 ? conns : 2 ))" -c"$conns" -d"$DURATION" --latency "$2" 2>&1)
  printf '%-28s p50 %8s  p99 %8s  %s req/s\n' "$1" \
    "$(awk '/^ +50%/ {print $2}' <<<"$out")" "$(awk '/^ +99%/ {print $2}' <<<"$out")" \
    "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
}

for n in $NS; do
  dir="$WORK/n$n"; rm -rf "$dir"; mkdir -p "$dir"
  make_list "$n" > "$dir/list.md"
  printf '[settings]\n\n[[source]]\nname = "off"\nkind = "feed"\nurl = "https://off.example/f"\nenabled = false\n' > "$dir/sources.toml"
  "$PMAGG_BIN" --config "$dir/sources.toml" --db "$dir/pmagg.db" import "$dir/list.md" >/dev/null
  "$PMAGG_BIN" --db "$dir/pmagg.db" serve --listen 127.0.0.1:18417 2>"$dir/serve.log" &
  pid=$!
  sleep 1
  echo "== N=$n (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  latency "index /" "http://127.0.0.1:18417/"
  latency "index ?q=database" "http://127.0.0.1:18417/?q=database"
  latency "index ?q=database&since=" "http://127.0.0.1:18417/?q=database&since=2020-01-01"
  latency "api ?q=outage" "http://127.0.0.1:18417/api/postmortems?q=outage"
  # One client at a time: the service time alone, without queueing behind the other seven.
  latency "index ?q=database, -c1" "http://127.0.0.1:18417/?q=database" 1
  # The server's CPU per request (user + system), which the machine's load does not change.
  tck=$(getconf CLK_TCK)
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  count=$(wrk -t1 -c2 -d"$DURATION" "http://127.0.0.1:18417/?q=database" | awk '/requests in/ {print $1}')
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "index ?q=database: $(awk -v t="$((after - before))" -v n="$count" -v hz="$tck" \
    'BEGIN {printf "%.2f", t * 1000 / hz / n}') ms of server CPU per request"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

# Idle RSS of the daemon with the site on and off (its schedule never ticks during the
# measurement). Off: no `listen`, so no HTTP server and no site connections in use.
dir="$WORK/daemon"; rm -rf "$dir"; mkdir -p "$dir"
cp "$WORK/n${NS##* }/pmagg.db" "$dir/pmagg.db" 2>/dev/null || true
source_toml='[[source]]\nname = "off"\nkind = "feed"\nurl = "http://127.0.0.1:9/f"\n'
printf "[settings]\nschedule = \"0 0 0 1 1 *\"\n\n$source_toml" > "$dir/off.toml"
printf "[settings]\nlisten = \"127.0.0.1:18418\"\nschedule = \"0 0 0 1 1 *\"\n\n$source_toml" > "$dir/on.toml"
rss() { awk '/VmRSS/ {print $2, $3}' "/proc/$1/status"; }

"$PMAGG_BIN" --config "$dir/off.toml" --db "$dir/pmagg.db" daemon 2>"$dir/off.log" &
pid=$!
sleep 3
echo "== daemon idle RSS with the site off (no listen): $(rss $pid)"
kill "$pid"; wait "$pid" 2>/dev/null || true

"$PMAGG_BIN" --config "$dir/on.toml" --db "$dir/pmagg.db" daemon 2>"$dir/on.log" &
pid=$!
sleep 2
curl -s -o /dev/null "http://127.0.0.1:18418/?q=database" || true
sleep 1
echo "== daemon idle RSS with the site on (after one search): $(rss $pid)"
wrk -t2 -c8 -d3s "http://127.0.0.1:18418/?q=database" >/dev/null 2>&1 || true
sleep 1
echo "== daemon idle RSS with the site on (after 3 s of wrk -c8 on ?q=database): $(rss $pid)"
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
