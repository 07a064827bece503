# The crash campaign's observer: what the kernel holds, read without any of
# chaosd's code (cgroupfs, iproute2's tc -j and ip, /proc). Sourced by
# crashtest.sh (host) and tests/kernel/crash.sh (the kernel lane's VM).
#
# The caller sets:
#   SCAN_CGROUPS  cgroup directories of the targets (every controller, v1 or
#                 v2); each is read with its whole subtree
#   SCAN_NOPROCS  those of them whose members are not compared
#   SCAN_NETNS    network namespaces: "pid:PID" (a process in it) or
#                 "name:NAME" (ip netns); deduplicated by inode
#   SCAN_HOSTDEVS host interfaces to read too (a container's veth peer)
#   SCAN_EXES     binaries whose processes are counted (chaosd, the tracer)
#   SCAN_DAEMON   the PID of the chaosd that is expected to run (or empty)
# and calls scan_snapshot; two snapshots are compared as text.
TC=${TC:-$(command -v tc || echo /usr/sbin/tc)}
IPR=${IPR:-$(command -v ip || echo /usr/sbin/ip)}
[ -x /usr/sbin/tc ] && TC=/usr/sbin/tc   # busybox's own applets lack -j
[ -x /usr/sbin/ip ] && IPR=/usr/sbin/ip

# Files that are writable but are counters or triggers, not settings: they
# change on their own (or cannot be read) and no fault writes them.
scan_skip() {
        case $1 in
        *failcnt|*max_usage_in_bytes|*.pressure|*reset_stats|cgroup.event_control|cgroup.kill|\
        memory.force_empty|memory.oom_control|cpuacct.usage*|devices.allow|devices.deny|memory.reclaim|\
        memory.peak|memory.swap.peak|cgroup.pressure|cgroup.procs|tasks|cgroup.threads) return 0 ;;
        esac
        return 1
}

# Every writable setting in the subtree of each target cgroup (memsw, io,
# freezer, cgroup.freeze, pids, cpu, cpuset... whatever the kernel offers),
# and each process in it: its state and its tracer.
scan_cgroups() {
        local d f files=() dirs=() procs=() p
        for d in $SCAN_CGROUPS; do
                if [ -d "$d" ]; then dirs+=("$d"); else echo "cgroup $d: missing"; fi
        done
        [ ${#dirs[@]} -gt 0 ] || return 0
        # Few processes: forks are slow on a loaded machine.
        while read -r f; do
                scan_skip "${f##*/}" || files+=("$f")
        done < <(find "${dirs[@]}" -type f -perm -u+w 2>/dev/null | sort)
        # A multi-line file gives one line each.
        [ ${#files[@]} -gt 0 ] && grep -H '' "${files[@]}" 2>&1
        # Members (SCAN_NOPROCS: directories whose members come and go),
        # each with its state and tracer: running and sleeping are the same
        # here; stopped (T), traced (t) or a tracer set are leftovers.
        for d in "${dirs[@]}"; do
                case " ${SCAN_NOPROCS:-} " in *" $d "*) ;; *) [ -f "$d/cgroup.procs" ] && procs+=("$d/cgroup.procs") ;; esac
        done
        [ ${#procs[@]} -gt 0 ] || return 0
        for p in $(sort -un "${procs[@]}"); do echo "/proc/$p/status"; done | xargs -r awk '
                FNR == 1 && s != "" { print "proc " pid " state=" s " tracer=" t }
                FNR == 1 { split(FILENAME, a, "/"); pid = a[3]; s = ""; t = 0 }
                /^State:/ { s = ($2 ~ /^[RSDI]$/) ? "run" : $2 }
                /^TracerPid:/ { t = $2 }
                END { if (s != "") print "proc " pid " state=" s " tracer=" t }' 2>/dev/null
}

# One namespace: links, and per link its qdiscs, classes and filters on
# every hook. Statistics are left out: only configuration.
scan_ns_dev() { # scan_ns_dev "CMD-PREFIX..." DEV
        local pre=$1 dev=$2
        echo "  dev $dev: qdiscs, classes, filters (root, ingress, egress)"
        # One tc for all of a device's reads; -force goes on past a hook
        # that does not exist.
        printf 'qdisc show dev %s\nclass show dev %s\nfilter show dev %s\nfilter show dev %s ingress\nfilter show dev %s egress\n' \
                "$dev" "$dev" "$dev" "$dev" "$dev" | $pre "$TC" -j -force -batch - 2>&1 | grep -v '"kind":"fq_codel".*"class"' | sed 's/^/    /'
}
scan_ns() { # scan_ns LABEL "CMD-PREFIX..."
        local pre=$2 dev
        echo "netns $1"
        for dev in $($pre "$IPR" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
                scan_ns_dev "$pre" "$dev"
        done
}
scan_netns() {
        local n ino seen=" "
        for n in $SCAN_NETNS; do
                case $n in
                pid:*) ino=$(readlink "/proc/${n#pid:}/ns/net" 2>/dev/null) ||
                        { echo "netns $n: gone"; continue; }
                        pre="nsenter -t ${n#pid:} -n" ;;
                name:*) ino=$(stat -L -c 'net:[%i]' "/run/netns/${n#name:}" 2>/dev/null) ||
                        { echo "netns $n: gone"; continue; }
                        pre="$IPR netns exec ${n#name:}" ;;
                esac
                case $seen in *" $ino "*) continue ;; esac
                seen="$seen$ino "
                scan_ns "$ino" "$pre"
        done
        for n in $SCAN_HOSTDEVS; do
                scan_ns_dev "" "$n"
        done
}

# Processes of the campaign's binaries: the running chaosd and its warden
# are expected; any other (a stray chaosd, warden, stressor or the syscall
# fault's tracer, all forks of chaosd; a killat left over) is listed.
scan_procs() {
        local p e comm ppid
        for e in $SCAN_EXES; do
                # find reads every /proc/PID/exe in one process.
                for p in $(find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$e" -printf '%h\n' 2>/dev/null); do
                        read -r comm ppid < <(awk '/^Name:/ {n = $2} /^PPid:/ {p = $2} END {print n, p}' "$p/status" 2>/dev/null)
                        [ -n "$comm" ] || continue # gone meanwhile
                        if [ "${p#/proc/}" = "${SCAN_DAEMON:-x}" ]; then
                                echo "proc chaosd (the daemon)"
                        elif [ "$ppid" = "${SCAN_DAEMON:-x}" ] && [ "$comm" = chaosd-warden ]; then
                                echo "proc chaosd-warden (the daemon's)"
                        else
                                echo "stray ${p#/proc/} $comm ppid=$ppid $e"
                        fi
                done
        done | sort
}

scan_snapshot() {
        scan_cgroups
        scan_netns
        scan_procs
}
