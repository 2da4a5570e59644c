#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (see README.md). Called by `make fuzz`.
#
#   Fuzz/run.sh [TARGET...]          targets: csv-canonical csv-mapped rules project-file model-file
#   FUZZ_SECONDS=600 Fuzz/run.sh     seconds per target (default 60)
#
# Each target starts from its committed seeds (Fuzz/corpus/<target>/) and a working corpus that persists
# between runs (Fuzz/.work/<target>/, not committed). Crashes go to Fuzz/crashes/<target>/. One line per
# target at the end: target, seconds, executions, exec/s, cov, ft, corpus size, new crashes. Exits 1 when
# any target crashed.
set -uo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-2048}
NICE=${FUZZ_NICE:-5}
ALL_TARGETS=(csv-canonical csv-mapped rules project-file model-file)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

# libFuzzer instruments the Swift code (-sanitize=fuzzer); the C code (libyaml, BoringSSL, the k-means
# kernel, SQLite's shim) gets the same coverage and address sanitizer through clang.
BUILD_FLAGS=(-c release
             -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
             -Xcc -fsanitize=fuzzer-no-link,address)

executable() {
    case "$1" in
        csv-canonical) echo FuzzCSVCanonical ;;
        csv-mapped) echo FuzzCSVMapped ;;
        rules) echo FuzzRules ;;
        project-file) echo FuzzProjectFile ;;
        model-file) echo FuzzModelFile ;;
        *) echo "unknown fuzz target '$1' (expected one of: ${ALL_TARGETS[*]})" >&2; return 1 ;;
    esac
}

for target in "${TARGETS[@]}"; do executable "$target" >/dev/null || exit 2; done

echo "Building the fuzz targets (release, fuzzer + address sanitizer) in Fuzz/.build"
nice -n "$NICE" swift build "${BUILD_FLAGS[@]}" || exit 2
BIN=$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)

# Let libFuzzer, not Swift's backtracer, handle a trap (the backtracer would print instead of saving the
# input, and can hold the output open); Swift's runtime keeps some metadata forever, so no leak checks.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# FUZZ_KEEP_GOING=1: run in a forked child that is restarted after each crash, to collect several.
keep_going=()
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

summary=()
failed=0
for target in "${TARGETS[@]}"; do
    name=$(executable "$target")
    work=".work/$target"
    crashes="crashes/$target"
    mkdir -p "$work" "$crashes"
    log=".work/$target.log"
    before=$(find "$crashes" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
    dict=()
    [ -f "dict/$target.dict" ] && dict=(-dict="dict/$target.dict")
    # Rules and YAML need room for deep nesting (10,000 parentheses or brackets); the rest the default.
    max_len=()
    case "$target" in rules|project-file) max_len=(-max_len=24000) ;; esac
    echo "Fuzzing $target for ${SECONDS_PER_TARGET}s (log: Fuzz/$log)"
    # The working corpus comes first: libFuzzer adds new inputs to the first folder only.
    nice -n "$NICE" "$BIN/$name" "$work" "corpus/$target" "${dict[@]}" "${max_len[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_LIMIT_MB" -timeout=30 -detect_leaks=0 "${keep_going[@]}" \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
    status=$?
    after=$(find "$crashes" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")  # fork mode prints no final stats
    corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")  # the units libFuzzer keeps (the folder also holds superseded ones)
    new=$((after - before))
    if [ "$status" -ne 0 ] || [ "$new" -gt 0 ]; then
        failed=1
        echo "  $target stopped (exit $status); see Fuzz/$log and Fuzz/$crashes/"
        grep -E 'ERROR: |Fatal error|SUMMARY' "$log" | head -3 | sed 's/^/    /'
    fi
    summary+=("$(printf '%-14s seconds=%-5s execs=%-10s exec/s=%-7s cov=%-6s ft=%-6s corpus=%-6s crashes=%s' \
        "$target" "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$new")")
done

# A crashed or forked target process cannot remove its scratch export: remove those of processes now gone.
for folder in /dev/shm/strata-fuzz-* "${TMPDIR:-/tmp}"/strata-fuzz-*; do
    [ -d "$folder" ] || continue
    kill -0 "${folder##*-}" 2>/dev/null || rm -rf "$folder"
done

echo
echo "Fuzzing summary ($(date -u +%Y-%m-%dT%H:%MZ))"
printf '%s\n' "${summary[@]}"
exit "$failed"
