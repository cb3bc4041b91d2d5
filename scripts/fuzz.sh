#!/usr/bin/env bash
# Runs Madang's libFuzzer targets (fuzz/) for a bounded time each, on the stable toolchain.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh sanitize dump_reader
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, -Cpasses=sancov-module); with no
# nightly available we set RUSTC_BOOTSTRAP=1, which lets the stable compiler accept them.
# Tools are installed outside the repository (MADANG_TOOLS, default /var/tmp/madang-tools) and
# the build goes to MADANG_FUZZ_TARGET (default /var/tmp/madang-fuzz-target). Corpora and
# crash artifacts stay in fuzz/corpus and fuzz/artifacts (git-ignored).
#
# Exits non-zero if any target crashes (the reproducer is in fuzz/artifacts/<target>/). Not
# run in CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
tools="${MADANG_TOOLS:-/var/tmp/madang-tools}"
export CARGO_TARGET_DIR="${MADANG_FUZZ_TARGET:-/var/tmp/madang-fuzz-target}"
export RUSTC_BOOTSTRAP=1
export PATH="$tools/bin:$PATH"
# Extra flags for cargo fuzz (e.g. FUZZ_CARGO_FLAGS="--sanitizer none" for a faster build).
read -r -a cargo_flags <<<"${FUZZ_CARGO_FLAGS:-}"

all_targets=(sanitize cut search_query dump_reader)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz into $tools" >&2
    CARGO_INSTALL_ROOT="$tools" cargo install cargo-fuzz --locked
fi

cd "$root/fuzz"

# Seed corpora from the fixtures, once.
seed() {
    local target="$1" dir="$root/fuzz/corpus/$1"
    [ -d "$dir" ] && return 0
    mkdir -p "$dir"
    case "$target" in
    sanitize)
        if command -v jq >/dev/null 2>&1; then
            local i=0
            while IFS= read -r -d '' payload; do
                printf '%s' "$payload" >"$dir/xss-$i"
                i=$((i + 1))
            done < <(jq -j '.[] | (.payload // empty), "\u0000"' \
                "$root/fixtures/xss/dompurify-payloads.json")
        fi
        printf '<p>Hello <b>world</b> &amp; <a href="https://x.org">link</a></p>' >"$dir/basic"
        ;;
    cut)
        printf '\x28\x00International Seminar on Responses to Crimes Against Humanity' >"$dir/en"
        printf '\x05\x00북한인권 한국어 제목입니다' >"$dir/ko"
        printf '\x03\x00e\xcc\x81e\xcc\x81 \r\n x' >"$dir/combining"
        ;;
    search_query)
        printf '\x20"human rights" 북한 -china OR refugees\0North Korean human rights <b>refugees</b> 북한인권' >"$dir/mixed"
        printf '\x00인권*\0인권은 & <script>' >"$dir/prefix"
        ;;
    dump_reader)
        # The fixture dump in 4 KB pieces (libFuzzer's default maximum input length).
        split -b 4000 -a 3 "$root/fixtures/gnuboard5/dump.sql" "$dir/dump-"
        ;;
    esac
}

echo "fuzz.sh: building ${targets[*]} (target dir $CARGO_TARGET_DIR)" >&2
if [ "$#" -eq 0 ]; then
    cargo fuzz build "${cargo_flags[@]}"
else
    for t in "${targets[@]}"; do cargo fuzz build "${cargo_flags[@]}" "$t"; done
fi

failed=()
for t in "${targets[@]}"; do
    seed "$t"
    mkdir -p "$root/fuzz/artifacts/$t"
    echo "fuzz.sh: running $t for ${seconds}s" >&2
    log="$root/fuzz/artifacts/$t/last-run.log"
    set +e
    cargo fuzz run "${cargo_flags[@]}" "$t" "$root/fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
    status=$?
    set -e
    grep -E '^#[0-9]+ +DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|panicked at|SUMMARY' "$log" || true
    if [ "$status" -ne 0 ] || grep -qE '^==[0-9]+== ERROR|panicked at|deadly signal' "$log"; then
        failed+=("$t")
        echo "fuzz.sh: $t CRASHED; see $log and fuzz/artifacts/$t/" >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: no crashes in ${targets[*]} (${seconds}s each)" >&2
