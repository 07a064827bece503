#!/bin/bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for
# FUZZ_SECONDS on its committed corpus (tests/fuzz/corpus/<target>/), seeded
# from examples/ and tests/data/. New inputs that add coverage are kept in
# the corpus; a crash leaves its input in $BUILD/fuzz/ and fails the run.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-$(pwd)/build}
SECS=${FUZZ_SECONDS:-10}
out=$BUILD/fuzz
mkdir -p "$out"
. tests/lib.sh
# One check per target: it builds and runs SECS seconds without a crash.
# FUZZ_ONLY="spec boltdb" runs just those targets.
targets=()
for t in tests/fuzz/fuzz_*.c; do
        name=$(basename "$t" .c)
        if [ -n "${FUZZ_ONLY:-}" ] && ! grep -qw "${name#fuzz_}" <<<"$FUZZ_ONLY"; then continue; fi
        targets+=("$t")
done
t_plan ${#targets[@]}
command -v clang >/dev/null || t_skip_all "clang not installed"
# The same source folders as the Makefile's SRC_DIRS.
dirs=$(cd "$(dirname "$0")/../.." && find lib experiments -type d | sort)
srcs=$(for d in $dirs; do ls "$d"/*.c 2>/dev/null; done)
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE $(for d in $dirs; do printf -- "-I%s " "$d"; done) \
        $(pkg-config --cflags libcjson libnl-route-3.0)"
LIBS="$(pkg-config --libs libcjson libnl-route-3.0 libseccomp) -lhttp_parser -lm"

for t in "${targets[@]}"; do
        name=$(basename "$t" .c)
        corpus=tests/fuzz/corpus/${name#fuzz_}
        mkdir -p "$corpus"
        if ! clang $CFLAGS -o "$out/$name" "$t" $srcs $LIBS 2>"$out/$name.build.log"; then
                t_fail "$name" "does not build (see $out/$name.build.log)"; continue
        fi
        case $name in
        fuzz_spec) seeds="examples tests/data/bad-specs" ;;
        fuzz_httpc) seeds="tests/fuzz/seeds/httpc" ;;
        fuzz_boltdb) seeds="tests/fuzz/seeds/boltdb" ;;
        *) seeds="" ;;
        esac
        # -merge would rewrite the corpus; new finds go to a scratch dir first.
        scratch=$(mktemp -d)
        ASAN_OPTIONS=detect_leaks=1 "$out/$name" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
                -artifact_prefix="$out/$name-" "$scratch" "$corpus" $seeds >"$out/$name.log" 2>&1
        rc=$?
        runs=$(grep -o 'Done [0-9]* runs' "$out/$name.log" | awk '{print $2}')
        if [ $rc = 0 ]; then
                "$out/$name" -merge=1 "$corpus" "$scratch" >/dev/null 2>&1
                t_pass "$name: ${runs:-?} runs in ${SECS}s, no crash, corpus $(ls "$corpus" | wc -l) inputs"
        else
                t_fail "$name" "crash after ${runs:-?} runs — $(ls "$out"/$name-* 2>/dev/null | head -1)"
                tail -30 "$out/$name.log" | sed 's/^/# /'
        fi
        rm -rf "$scratch"
done
exit $T_FAILED
