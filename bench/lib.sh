# Pairing, medians and spreads for bench/*.sh. Source it after
# tests/lib.sh. Every benchmark is a set of rows; a row is either
#
#   paired:  b_pair N "SIDE_A" "SIDE_B", then b_row ...
#            chaosd (A) and its baseline (B) alternate in ONE loop with the
#            same N and the same work: A B, B A, A B, ... (the order flips
#            every pair so neither side always runs on a warmer cache or
#            after the other's leftovers). The ratio B/A is taken pair by
#            pair, so a drift of the machine's speed during the loop moves
#            both sides of a pair together.
#   single:  b_runs N "SIDE", then b_row1 ... (a figure with no baseline a
#            user would otherwise run: idle RSS, 500 targets at once).
#
# A SIDE is a command (a function name and its words, eval'd inside
# b_pair/b_runs, so it sees their locals: they are all named _b_*, and a
# side must not rely on a global of that form) that performs
# ONE iteration, checks its effect from outside (outside the timed part),
# and prints its measured value(s) on one line: nanoseconds, kB or a count.
# It returns non-zero, with the reason on stderr, when the iteration failed
# (an error, or the fault not seen in the kernel). One failed iteration
# fails the row: it prints FAILED with the reason, the script's exit status
# becomes 1 (b_exit), and `make bench` fails.
#
# Figures printed: median (min–max) over the N runs of each side; ratio =
# baseline / chaosd, median (min–max) of the per-pair ratios.
B_DIR=$(mktemp -d /tmp/chaosd-bench-lib.XXXXXX)
t_cleanup rm -rf "$B_DIR"
B_FAILED=0
B_WHY=
B_N=0
B_SCRIPT=bench/$(basename "$0")

# b_ns T0 T1: nanoseconds between two $EPOCHREALTIME readings (µs resolution;
# bash's own clock, so reading it costs no process).
b_ns() { echo $(( (${2/./} - ${1/./}) * 1000 )); }

# b_cmd CMD...: run CMD (output discarded) and print its wall time in ns;
# its exit status is CMD's. The whole process: start-up included.
b_cmd() {
        local _b_t0=$EPOCHREALTIME _b_rc _b_t1
        "$@" >/dev/null 2>"$B_DIR/cmd.err"
        _b_rc=$? _b_t1=$EPOCHREALTIME
        if [ $_b_rc != 0 ]; then
                echo "$1 exited $_b_rc: $(head -c 300 "$B_DIR/cmd.err")" >&2
                return $_b_rc
        fi
        b_ns "$_b_t0" "$_b_t1"
}

# One iteration of SIDE into FILE; on failure record why and return 1.
b__one() { # b__one LABEL FILE SIDE
        local _b_v
        if ! _b_v=$(eval "$3" 2>"$B_DIR/side.err") || [ -z "$_b_v" ]; then
                B_WHY="$1: $(tr '\n' ' ' <"$B_DIR/side.err" | head -c 400)"
                [ -n "$_b_v" ] || [ -s "$B_DIR/side.err" ] || B_WHY="$1: printed no value"
                return 1
        fi
        echo "$_b_v" >>"$2"
}

# b_pair N SIDE_A SIDE_B: one warm-up of each (not counted, but a failure
# fails the row; B_WARMUP=0: none), then N pairs, order flipped every pair.
b_pair() {
        local _b_n=$1 _b_a=$2 _b_b=$3 _b_i
        B_N=$_b_n B_WHY=
        : >"$B_DIR/a"; : >"$B_DIR/b"; : >"$B_DIR/warm"
        if [ "${B_WARMUP:-1}" != 0 ]; then
                b__one "warm-up of chaosd's side" "$B_DIR/warm" "$_b_a" || return 1
                b__one "warm-up of the baseline" "$B_DIR/warm" "$_b_b" || return 1
        fi
        for ((_b_i = 1; _b_i <= _b_n; _b_i++)); do
                if ((_b_i % 2)); then
                        b__one "run $_b_i of $_b_n, chaosd" "$B_DIR/a" "$_b_a" || return 1
                        b__one "run $_b_i of $_b_n, baseline" "$B_DIR/b" "$_b_b" || return 1
                else
                        b__one "run $_b_i of $_b_n, baseline" "$B_DIR/b" "$_b_b" || return 1
                        b__one "run $_b_i of $_b_n, chaosd" "$B_DIR/a" "$_b_a" || return 1
                fi
        done
}

# b_runs N SIDE [WARMUP]: N runs of one side (WARMUP=0: no warm-up run).
b_runs() {
        local _b_n=$1 _b_s=$2 _b_i
        B_N=$_b_n B_WHY=
        : >"$B_DIR/a"; : >"$B_DIR/warm"
        if [ "${3:-1}" != 0 ]; then b__one "warm-up" "$B_DIR/warm" "$_b_s" || return 1; fi
        for ((_b_i = 1; _b_i <= _b_n; _b_i++)); do
                b__one "run $_b_i of $_b_n" "$B_DIR/a" "$_b_s" || return 1
        done
}

# b_load STATUS FILE: pairs measured by a C program that interleaves
# itself (bench/apibench.c): one line per pair, "chaosd_value
# baseline_value"; STATUS is the program's exit status, its stderr the
# reason. Sets up the files b_row reads.
b_load() {
        local st=$1 f=$2
        awk '{print $1}' "$f" >"$B_DIR/a"; awk '{print $2}' "$f" >"$B_DIR/b"
        B_N=$(wc -l <"$f")
        [ "$st" = 0 ] && [ "$B_N" -gt 0 ] && return 0
        B_WHY="exit $st after $B_N pairs: $(tr '\n' ' ' <"$f.err" 2>/dev/null | head -c 400)"
        return 1
}

# b_stats FILE [COL]: "median min max" of column COL (default 1).
b_stats() {
        awk -v c="${2:-1}" '{print $c}' "$1" | sort -g | awk '
                { v[NR] = $1 }
                END { if (NR == 0) exit 1
                      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      print m, v[1], v[NR] }'
}

# b_fmt VALUE UNIT: ns as ms/µs/s, kB as MiB, or a plain count.
b_fmt() {
        awk -v v="$1" -v u="$2" 'BEGIN {
                if (u == "ms") printf "%.2f", v / 1e6
                else if (u == "µs") printf "%.2f", v / 1e3
                else if (u == "s") printf "%.2f", v / 1e9
                else if (u == "MiB") printf "%.1f", v / 1024
                else if (u == "×") printf "%.2f", v
                else printf "%g", v }'
}

# b_col FILE COL UNIT: "median UNIT (min–max)".
b_col() {
        local m lo hi
        read -r m lo hi < <(b_stats "$1" "$2")
        echo "$(b_fmt "$m" "$3")${3:+ $3} ($(b_fmt "$lo" "$3")–$(b_fmt "$hi" "$3"))"
}

# b_ratio: per-pair baseline/chaosd of the last b_pair, "**R×** (min–max)".
b_ratio() {
        local m lo hi
        paste -d' ' <(awk '{print $1}' "$B_DIR/a") <(awk '{print $1}' "$B_DIR/b") | awk '{ if ($1 > 0) print $2 / $1; else print "inf" }' >"$B_DIR/r"
        read -r m lo hi < <(b_stats "$B_DIR/r")
        echo "**$(b_fmt "$m" ×)×** ($(b_fmt "$lo" ×)–$(b_fmt "$hi" ×))"
}

b__failed() { # b__failed WHAT
        echo "| $1 | **FAILED**: $B_WHY | | | $B_SCRIPT |"
        echo "$B_SCRIPT: FAILED: $1: $B_WHY" >&2
        B_FAILED=1
}

# b_row STATUS WHAT UNIT BASELINE [CELL_A CELL_B]: the row of the last
# b_pair (STATUS: its exit status). UNIT: ms, µs or s. The ratio is always
# taken on the first value of each side's lines; CELL_A/CELL_B replace the
# default cells (median (min–max) of that first value).
b_row() {
        local st=$1 what="$2 (N=$B_N pairs, interleaved)" unit=$3 base=$4 ca cb
        if [ "$st" != 0 ]; then b__failed "$what"; return; fi
        ca=${5:-$(b_col "$B_DIR/a" 1 "$unit")} cb=${6:-$(b_col "$B_DIR/b" 1 "$unit")}
        echo "| $what | $ca | $cb $base | $(b_ratio) | $B_SCRIPT |"
}

# b_row1 STATUS WHAT CELL: a row with no baseline; CELL may use b_col on
# "$B_DIR/a" (columns of the side's output).
b_row1() {
        local st=$1 what="$2 (N=$B_N runs)"
        if [ "$st" != 0 ]; then b__failed "$what"; return; fi
        echo "| $what | $3 | | | $B_SCRIPT |"
}

# b_fail WHAT WHY: a row that could not even start.
b_fail() { B_WHY=$2; b__failed "$1"; }

b_exit() { exit $B_FAILED; }
