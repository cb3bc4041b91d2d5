#!/usr/bin/env bash
# Madang against nginx, side by side, on this machine (issue 7). Run by hand:
#
#   bench/run.sh            # 100,000 posts; the site is kept in $BENCH_DIR for the next run
#   POSTS=20000 bench/run.sh
#   SKIP_BUILD=1 CARGO_RELEASE_TARGET_DIR=/var/tmp/madang-prof bench/run.sh
#
# It builds the release binary, creates a site with $POSTS posts (2-4 KB each, half Korean,
# half English; the search benchmark's generator), starts Madang, saves the board list page
# and a post page as files served by nginx (the ceiling: a static file from memory), and
# runs wrk (2 threads, 32 connections, 15 s, after a 3 s warm-up) against each page. It
# prints requests/s and p99 for each, the Madang/nginx ratio, peak RSS under the load and
# the cold start to the first response. Needs: cargo, nginx, wrk, curl (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS="${POSTS:-100000}"
BENCH_DIR="${BENCH_DIR:-/var/tmp/madang-bench-site}"
export CARGO_TARGET_DIR="${CARGO_RELEASE_TARGET_DIR:-/var/tmp/madang-release}"
DURATION="${DURATION:-15s}"
MADANG_PORT=18080
NGINX_PORT=18081

for port in $MADANG_PORT $NGINX_PORT; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken (an earlier run still going?); stop it first" >&2; exit 1
  fi
done
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (apt-get install $tool)" >&2; exit 1; }
done

# SKIP_BUILD=1 uses the binaries already in $CARGO_TARGET_DIR (for a run while another
# build would compete for the cores).
if [ -z "${SKIP_BUILD:-}" ]; then
  echo "== building (release)"
  cargo build --release -q -p madang --bin madang --example search_bench
fi
BIN="$CARGO_TARGET_DIR/release/madang"

mkdir -p "$BENCH_DIR"
DB="$BENCH_DIR/bench.db"
echo "== site with $POSTS posts in $BENCH_DIR (kept and reused)"
# A generator that cannot open the site (one built before a schema change, with SKIP_BUILD=1)
# stops the run here rather than letting it measure a site it did not check.
if ! gen_out=$("$CARGO_TARGET_DIR/release/examples/search_bench" --posts "$POSTS" --queries 1 \
  --keep "$BENCH_DIR" 2>&1); then
  echo "$gen_out" | head -5 >&2
  echo "the site generator failed; rebuild it (run without SKIP_BUILD=1)" >&2
  exit 1
fi
echo "$gen_out" | grep -E "loaded|reusing" || true

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts Madang; sets MADANG_PID and COLD_MS (start to the first 200 of the list page).
start_madang() {
  local started now
  started=$(date +%s%N)
  RUST_LOG=warn "$BIN" --data-dir "$BENCH_DIR" --database-url "sqlite:$DB" \
    serve --listen "127.0.0.1:$MADANG_PORT" >"$BENCH_DIR/serve.log" 2>&1 &
  MADANG_PID=$!
  PIDS+=("$MADANG_PID")
  until curl -sf -o /dev/null "http://127.0.0.1:$MADANG_PORT/b/bench"; do sleep 0.005; done
  now=$(date +%s%N)
  COLD_MS=$(( (now - started) / 1000000 ))
}

stop_madang() { kill "$MADANG_PID"; wait "$MADANG_PID" 2>/dev/null || true; }

PAGE_SIZE=20
DEEP=$(( POSTS / PAGE_SIZE * 4 / 5 ))  # 4,000 at 100,000 posts
[ "$DEEP" -ge 1 ] || DEEP=1
LIST="/b/bench"
LIST_DEEP="/b/bench?page=$DEEP"

export MADANG_PAGE_CACHE=on
start_madang
FIRST_COLD_MS=$COLD_MS
# One post page and one search, found on the list itself.
POST=$(curl -s "http://127.0.0.1:$MADANG_PORT$LIST" | grep -o 'href="/b/bench/[0-9]*"' | head -1 | cut -d'"' -f2)
SEARCH="/search?q=rights"

# nginx serves the same pages as files.
WWW="$BENCH_DIR/www"
rm -rf "$WWW"; mkdir -p "$WWW"
curl -s "http://127.0.0.1:$MADANG_PORT$LIST" >"$WWW/list.html"
curl -s "http://127.0.0.1:$MADANG_PORT$POST" >"$WWW/post.html"
cat >"$BENCH_DIR/nginx.conf" <<EOF
worker_processes 2;
pid $BENCH_DIR/nginx.pid;
error_log $BENCH_DIR/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  open_file_cache max=100;
  types { text/html html; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WWW;
  }
}
EOF
nginx -c "$BENCH_DIR/nginx.conf" -p "$BENCH_DIR"
trap 'cleanup; nginx -c "$BENCH_DIR/nginx.conf" -p "$BENCH_DIR" -s stop 2>/dev/null || true' EXIT

declare -A RPS P99
run() {  # name url
  wrk -t2 -c32 -d3s "$2" >/dev/null 2>&1  # warm-up
  local out
  out=$(wrk -t2 -c32 -d"$DURATION" --latency "$2")
  RPS[$1]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  P99[$1]=$(echo "$out" | awk '$1 == "99%" {print $2}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  printf "%-34s %12s req/s   p99 %8s%s\n" "$1" "${RPS[$1]}" "${P99[$1]}" "${errors:+   NON-2XX: $errors}"
}

M="http://127.0.0.1:$MADANG_PORT"
N="http://127.0.0.1:$NGINX_PORT"
echo "== wrk -t2 -c32 -d$DURATION (after a 3 s warm-up); $POSTS posts, $(nproc) cores"
run "nginx list page (file)" "$N/list.html"
run "nginx post page (file)" "$N/post.html"
run "madang list page 1 (cached)" "$M$LIST"
run "madang list page $DEEP (cached)" "$M$LIST_DEEP"
run "madang post page (cached)" "$M$POST"
run "madang search (cached)" "$M$SEARCH"
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$MADANG_PID/status")
stop_madang

export MADANG_PAGE_CACHE=off
start_madang
run "madang list page 1 (no cache)" "$M$LIST"
run "madang list page $DEEP (no cache)" "$M$LIST_DEEP"
run "madang post page (no cache)" "$M$POST"
run "madang search (no cache)" "$M$SEARCH"
RSS2_KB=$(awk '/VmHWM/ {print $2}' "/proc/$MADANG_PID/status")
stop_madang

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
echo "== summary"
echo "cached list page / nginx:      $(ratio "${RPS[madang list page 1 (cached)]}" "${RPS[nginx list page (file)]}")   (target >= 50%)"
echo "uncached list page / nginx:    $(ratio "${RPS[madang list page 1 (no cache)]}" "${RPS[nginx list page (file)]}")   (target >= 15%)"
echo "page $DEEP / page 1 (no cache): $(ratio "${RPS[madang list page $DEEP (no cache)]}" "${RPS[madang list page 1 (no cache)]}")   (target >= 90%)"
echo "page $DEEP / page 1 (cached):   $(ratio "${RPS[madang list page $DEEP (cached)]}" "${RPS[madang list page 1 (cached)]}")"
echo "cached post page / nginx:      $(ratio "${RPS[madang post page (cached)]}" "${RPS[nginx post page (file)]}")"
echo "peak RSS: $(( RSS_KB / 1024 )) MiB with the cache, $(( RSS2_KB / 1024 )) MiB without   (target < 64 MiB)"
echo "cold start to first list page: $FIRST_COLD_MS ms (with the cache), $COLD_MS ms (without)"
