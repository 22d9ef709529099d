#!/usr/bin/env bash
# tests/run.sh - build and run every test suite; the last line is
# "N passed, N failed" over all of them, and the exit status is non-zero if
# anything failed.
#
#   tests/run.sh                 every suite
#   tests/run.sh unit e2e        only those suites (unit, asan, fuzz, e2e)
#   MK_E2E_FILTER=store tests/run.sh e2e    only tests/e2e/store*.bats
set -u
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit asan fuzz e2e)
passed=0
failed=0
failures=()
jobs=$(nproc 2>/dev/null || echo 2)

# Count TAP lines ("ok N", "not ok N") from a file, echoing failures.
count_tap() {
    local file=$1 suite=$2 p f
    p=$(grep -cE '^ok ' "$file")
    f=$(grep -cE '^not ok ' "$file")
    passed=$((passed + p))
    failed=$((failed + f))
    while IFS= read -r line; do failures+=("$suite: $line"); done < <(grep -E '^not ok ' "$file")
    echo "$suite: $p passed, $f failed"
}

fail_one() {
    failed=$((failed + 1))
    failures+=("$1")
    echo "FAILED: $1"
}

run_unit() { # $1 = build dir, $2 = suite name
    local dir=$1 suite=$2 t out rc
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        out=$(mktemp)
        CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$out" 2>&1
        rc=$?
        if ! grep -qE '^(not )?ok ' "$out" || { [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$out"; }; then
            cat "$out"
            fail_one "$suite: $(basename "$t") exited $rc"
        fi
        grep -E '^not ok ' "$out" >/dev/null && cat "$out"
        count_tap "$out" "$suite/$(basename "$t")" >/dev/null
        rm -f "$out"
    done
}

# Processes whose environment carries this run's mark: what a test file
# started and did not stop.
marked_pids() {
    grep -lza "^MK_E2E_MARK=$1\$" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}

# One bats file, with its own time limit. Output goes to a file, not a pipe,
# so a daemon a test leaked cannot hold the run open; such daemons are
# reported as a failure of that file and stopped by pid.
run_bats_file() {
    local f=$1 out mark rc pids
    out=$(mktemp)
    mark="$$-$(basename "$f" .bats)-$RANDOM"
    MK_E2E_MARK=$mark timeout "${MK_E2E_TIMEOUT:-1200}" bats --tap "$f" </dev/null >"$out" 2>&1
    rc=$?
    cat "$out"
    count_tap "$out" "e2e/$(basename "$f")"
    [ $rc -eq 124 ] && fail_one "e2e: $f ran past ${MK_E2E_TIMEOUT:-1200} s"
    pids=$(marked_pids "$mark")
    if [ -n "$pids" ]; then
        fail_one "e2e: $f left processes running: $(for p in $pids; do tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-60; echo; done | grep . | sort -u | paste -sd,)"
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null
        sleep 1
        # shellcheck disable=SC2086
        kill -KILL $(marked_pids "$mark") 2>/dev/null
    fi
    rm -f "$out"
}

for suite in "${suites[@]}"; do
    case $suite in
    unit)
        echo "== build"
        if ! make -s -j"$jobs" all unit-build; then
            fail_one "build"
            continue
        fi
        echo "== unit tests"
        run_unit build/release unit
        # STYLE.md: one formatter, checked in CI.
        if command -v clang-format >/dev/null; then
            if make -s check-format >/dev/null 2>&1; then
                passed=$((passed + 1))
            else
                fail_one "unit: clang-format (run make format)"
            fi
        fi
        ;;
    asan)
        echo "== unit tests under ASan+UBSan"
        if ! make -s -j"$jobs" SAN=1 unit-build; then
            fail_one "asan build"
            continue
        fi
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
            run_unit build/asan asan
        ;;
    fuzz)
        [ -x tests/fuzz/run.sh ] || continue
        echo "== fuzzing (bounded)"
        out=$(mktemp)
        tests/fuzz/run.sh >"$out" 2>&1
        grep -E '^(not )?ok ' "$out"
        count_tap "$out" fuzz
        rm -f "$out"
        ;;
    e2e)
        files=$(ls tests/e2e/${MK_E2E_FILTER:-}*.bats 2>/dev/null)
        [ -n "$files" ] || continue
        echo "== end-to-end (bats)"
        make -s -j"$jobs" all || { fail_one "build"; continue; }
        for f in $files; do
            run_bats_file "$f"
        done
        ;;
    *)
        echo "unknown suite $suite" >&2
        exit 2
        ;;
    esac
done

if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "failures:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
