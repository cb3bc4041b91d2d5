#!/usr/bin/env bash
# GnuBoard5 import: time and peak memory (issue 4). Run by hand:
#
#   bench/import.sh                              # 100,000 posts, 200,000 comments
#   POSTS=20000 COMMENTS=40000 bench/import.sh
#
# It builds the release binary and the dump generator
# (crates/madang-import/examples/gnuboard_dump_gen.rs), writes a synthetic GnuBoard5 dump of
# $POSTS posts and $COMMENTS comments in the shape of fixtures/gnuboard5/dump.sql (kept in
# $DUMP_DIR and reused while the counts and the generator are the same), then runs
# `madang import gnuboard` on it into a fresh data folder under GNU time and prints the wall
# time, peak RSS and the importer's counts. No attachments: --files is an empty folder.
# Target: under 60 s and under 300 MiB for the defaults on a 2-core machine.
# Needs: cargo, GNU time at /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS="${POSTS:-100000}"
COMMENTS="${COMMENTS:-200000}"
BOARDS="${BOARDS:-4}"
MEMBERS="${MEMBERS:-200}"
SEED="${SEED:-1}"
DUMP_DIR="${DUMP_DIR:-/var/tmp/madang-import-bench}"
KEEP_SITE="${KEEP_SITE:-0}"  # 1: keep the imported site's data folder
export CARGO_TARGET_DIR="${CARGO_RELEASE_TARGET_DIR:-/var/tmp/madang-release}"

command -v /usr/bin/time >/dev/null \
  || { echo "bench needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== building (release)"
cargo build --release -q -p madang --bin madang
cargo build --release -q -p madang-import --example gnuboard_dump_gen
BIN="$CARGO_TARGET_DIR/release/madang"
GEN="$CARGO_TARGET_DIR/release/examples/gnuboard_dump_gen"

# The dump is named after its counts and the generator's sources, so a changed generator
# writes a new one.
mkdir -p "$DUMP_DIR"
GEN_ID=$(cat crates/madang-import/examples/gnuboard_dump_gen.rs fixtures/gnuboard5/dump.sql \
  | sha256sum | cut -c1-8)
DUMP="$DUMP_DIR/g5-${POSTS}p-${COMMENTS}c-${BOARDS}b-${MEMBERS}m-s${SEED}-$GEN_ID.sql"
if [ -s "$DUMP" ]; then
  echo "== reusing $DUMP"
else
  echo "== writing $DUMP"
  "$GEN" --posts "$POSTS" --comments "$COMMENTS" --boards "$BOARDS" --members "$MEMBERS" \
    --seed "$SEED" --out "$DUMP.partial"
  mv "$DUMP.partial" "$DUMP"
fi
DUMP_MIB=$(( $(stat -c %s "$DUMP") / 1048576 ))

RUN=$(mktemp -d "$DUMP_DIR/run.XXXXXX")
if [ "$KEEP_SITE" = 1 ]; then
  trap 'echo "site kept in $RUN/site"' EXIT
else
  trap 'rm -rf "$RUN"' EXIT
fi
mkdir -p "$RUN/site" "$RUN/files"

echo "== importing ($POSTS posts, $COMMENTS comments, dump $DUMP_MIB MiB; $(nproc) cores)"
if ! RUST_LOG=warn /usr/bin/time -v -o "$RUN/time.txt" \
  "$BIN" --data-dir "$RUN/site" import gnuboard --dump "$DUMP" --files "$RUN/files" \
  >"$RUN/report.txt" 2>"$RUN/stderr.txt"; then
  echo "the import failed:" >&2
  tail -20 "$RUN/stderr.txt" >&2
  tail -20 "$RUN/report.txt" >&2
  cat "$RUN/time.txt" >&2 || true
  exit 1
fi
cp "$RUN/report.txt" "$DUMP_DIR/last-report.txt"

# The report's table of counts, then how many rows were skipped and warned about.
echo "== importer's summary (whole report: $DUMP_DIR/last-report.txt)"
sed -n '/^GnuBoard5 import from/,/^[A-Z]/p' "$RUN/report.txt" | sed '1!{/^[A-Z]/d}'
grep -E '^(Skipped|Warnings) \(' "$RUN/report.txt" || echo "no skipped rows, no warnings"
grep -A10 '^Skipped (' "$RUN/report.txt" | tail -n +2 || true

WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$RUN/time.txt")
WALL_S=$(echo "$WALL" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
CPU_S=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' \
  "$RUN/time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$RUN/time.txt")
DB_MIB=$(( $(du -sk "$RUN/site" | cut -f1) / 1024 ))

echo "== result"
echo "wall time: ${WALL_S} s   (target < 60 s; CPU ${CPU_S} s)"
echo "peak RSS:  $(( RSS_KB / 1024 )) MiB   (target < 300 MiB)"
echo "dump: $DUMP_MIB MiB; imported site: $DB_MIB MiB"
