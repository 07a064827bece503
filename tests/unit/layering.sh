#!/bin/bash
# The folder rules of docs/architecture.md, checked on every quoted include
# of the product (lib/, experiments/, chaosd/, cli/). Each include is
# resolved as the compiler does: the including file's folder first, then
# the Makefile's -I folders in order. Then, by the including file's folder:
#   lib/**                  lib only
#   experiments/targets     lib, targets
#   experiments/faults      lib, targets, faults/ (its root)
#   experiments/faults/X    lib, targets, faults/ root, faults/X (never another sub-folder)
#   experiments/spec        lib, targets, faults/ root, spec
#   chaosd                  lib, spec, targets, faults/ root, a sub-folder's
#                           public face faults/X/X_fault.h, chaosd
#   cli                     lib, spec, faults/ root, faults/X/X_fault.h, cli
# so nothing below includes chaosd/ or cli/, and neither includes the
# other. One line per violation; fails when there is any.
# LAYERING_ROOT (default: this checkout) lets a test run it on a copy.
. "$(dirname "$0")/../lib.sh"
t_plan 1
root=${LAYERING_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1

# -I folders as the Makefile gives them: SRC_DIRS, then chaosd.
incdirs=$(sed -n '/^SRC_DIRS[[:space:]]*:=/,/[^\\]$/p' Makefile | sed 's/^SRC_DIRS[[:space:]]*:=//; s/\\//g')
incdirs="$incdirs chaosd"

# The layer of a file (a path from the root) into $LAYER. No subshells:
# this runs for every include of the tree.
layer() {
        case $1 in
        lib/*) LAYER=lib ;;
        experiments/targets/*) LAYER=targets ;;
        experiments/spec/*) LAYER=spec ;;
        experiments/faults/*/*)
                local sub=${1#experiments/faults/}
                LAYER="faults/${sub%%/*}" ;;
        experiments/faults/*) LAYER=faults ;;
        chaosd/*) LAYER=chaosd ;;
        cli/*) LAYER=cli ;;
        *) LAYER=other ;;
        esac
}

# DIR/INC without "." and ".." components into $PATHNAME.
normalize() {
        local -a out=()
        local part IFS=/
        for part in $1; do
                case $part in
                "" | .) ;;
                ..) [ ${#out[@]} -gt 0 ] && unset 'out[${#out[@]}-1]' ;;
                *) out+=("$part") ;;
                esac
        done
        PATHNAME="${out[*]}"
}

# A sub-folder's public face: faults/X/X_fault.h.
public_face() {
        case $1 in
        experiments/faults/*/*_fault.h)
                local rest=${1#experiments/faults/}
                [ "${rest%%/*}_fault.h" = "${rest#*/}" ] ;;
        *) return 1 ;;
        esac
}

# 0 when a file in layer FROM may include TARGET (a path from the root).
allowed() {
        local from=$1 target=$2 to
        layer "$target"
        to=$LAYER
        [ "$to" = lib ] && return 0
        case $from in
        lib) return 1 ;;
        targets) [ "$to" = targets ] ;;
        faults) [ "$to" = targets ] || [ "$to" = faults ] ;;
        faults/*) [ "$to" = targets ] || [ "$to" = faults ] || [ "$to" = "$from" ] ;;
        spec) [ "$to" = targets ] || [ "$to" = faults ] || [ "$to" = spec ] ;;
        chaosd)
                case $to in
                spec | targets | faults | chaosd) return 0 ;;
                faults/*) public_face "$target" ;;
                *) return 1 ;;
                esac ;;
        cli)
                case $to in
                spec | faults | cli) return 0 ;;
                faults/*) public_face "$target" ;;
                *) return 1 ;;
                esac ;;
        *) return 1 ;;
        esac
}

rule() {
        case $1 in
        lib) echo "lib/ includes only lib/" ;;
        targets) echo "targets/ includes lib/ and targets/" ;;
        faults) echo "faults/ includes lib/, targets/ and faults/" ;;
        faults/*) echo "$1/ includes lib/, targets/, the faults/ root and $1/" ;;
        spec) echo "spec/ includes lib/, targets/, the faults/ root and spec/" ;;
        chaosd) echo "chaosd/ includes lib/, experiments' public headers (a fault sub-folder only through its X_fault.h) and chaosd/" ;;
        cli) echo "cli/ includes lib/, spec/, the faults/ root, a sub-folder's X_fault.h and cli/" ;;
        esac
}

violations=0
includes=0
files=$(find lib experiments chaosd cli -name '*.[ch]' | wc -l)
# One awk over every file: "FILE INCLUDE" per quoted include.
while read -r f inc; do
        includes=$((includes + 1))
        dir=${f%/*}
        layer "$f"
        from=$LAYER
        found=
        for d in "$dir" $incdirs; do
                if [ -f "$d/$inc" ]; then
                        normalize "$d/$inc"
                        found=$PATHNAME
                        break
                fi
        done
        if [ -z "$found" ]; then
                echo "$f: #include \"$inc\" resolves to no file of the tree"
                violations=$((violations + 1))
        elif ! allowed "$from" "$found"; then
                echo "$f: #include \"$inc\" is $found: $(rule "$from")"
                violations=$((violations + 1))
        fi
done < <(find lib experiments chaosd cli -name '*.[ch]' | sort |
        xargs awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/) {
                s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s); print FILENAME, s }')

if [ "$files" -lt 50 ]; then
        t_fail "layering" "only $files source files found under $root"
elif [ "$violations" -eq 0 ]; then
        t_pass "layering: the $includes quoted includes of $files product files follow docs/architecture.md's folder rules"
else
        t_fail "layering" "$violations include(s) break docs/architecture.md's folder rules (listed above)"
fi
exit $T_FAILED
