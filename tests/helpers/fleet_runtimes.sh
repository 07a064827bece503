# Shell helpers for the runtime tests (source after tests/lib.sh): a private
# Podman API service and a private containerd, each started by the test,
# pointed at by the variables chaosd reads, and torn down by t_cleanup.
# Podman here: no systemd (cgroupfs manager); the sandbox's hard rlimits are
# below Podman's defaults, so containers get explicit ulimits.
PODMAN="podman --cgroup-manager=cgroupfs"
PODMAN_IMAGE=localhost/chaosd-busybox:latest
CTR_IMAGE=docker.io/library/chaosd-busybox:latest

have_podman() { command -v podman >/dev/null 2>&1; }
have_containerd() { command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1; }

# fleet_podman_up DIR: image imported once (busybox-static, no registry),
# `podman system service` on DIR/podman.sock. FLEET_CONTAINER_HOST is the
# value for chaosd's CONTAINER_HOST; it is not exported here because the
# podman CLI itself would turn into a remote client.
fleet_podman_up() {
        local dir=$1 root a
        mkdir -p "$dir"
        if ! $PODMAN image exists "$PODMAN_IMAGE" 2>/dev/null; then
                root=$(mktemp -d)
                mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
                cp /bin/busybox "$root/bin/busybox"
                for a in sh sleep cat true; do ln -s busybox "$root/bin/$a"; done
                tar -C "$root" -c . | $PODMAN import - "$PODMAN_IMAGE" >/dev/null || { rm -rf "$root"; return 1; }
                rm -rf "$root"
        fi
        $PODMAN system service --time=0 "unix://$dir/podman.sock" >"$dir/podman-service.log" 2>&1 &
        FLEET_PODMAN_PID=$!
        t_cleanup "kill $FLEET_PODMAN_PID"
        FLEET_CONTAINER_HOST=unix://$dir/podman.sock
        t_wait 10 curl -sf --unix-socket "$dir/podman.sock" http://d/v1.41/_ping
}

# fleet_podman_run NAME [podman run args...] -- CMD...
fleet_podman_run() {
        local name=$1; shift
        local args=()
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
        shift
        $PODMAN rm -f "$name" >/dev/null 2>&1 || true
        t_cleanup "$PODMAN rm -f -t 0 $name"
        $PODMAN run -d --name "$name" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "${args[@]}" \
                "$PODMAN_IMAGE" "$@" >/dev/null
}

# fleet_containerd_up DIR: a private containerd (own root, state and
# socket; CRI plugin off), the docker test image imported into k8s.io, and
# CHAOSD_CONTAINERD_STATE / CHAOSD_CONTAINERD_META exported for chaosd.
fleet_containerd_up() {
        local dir=$1
        mkdir -p "$dir"
        cat >"$dir/config.toml" <<EOT
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
EOT
        containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
        FLEET_CTD_PID=$!
        t_cleanup "kill $FLEET_CTD_PID; sleep 0.5; rm -rf $dir/root $dir/state"
        CTR="ctr --address $dir/containerd.sock"
        t_wait 10 $CTR version || return 1
        docker save "$TEST_IMAGE" | $CTR -n k8s.io images import - >/dev/null || return 1
        export CHAOSD_CONTAINERD_STATE=$dir/state/io.containerd.runtime.v2.task
        export CHAOSD_CONTAINERD_META=$dir/root/io.containerd.metadata.v1.bolt/meta.db
}

# fleet_ctr_run NAMESPACE NAME [ctr run args, e.g. --label k=v...] -- CMD...
fleet_ctr_run() {
        local ns=$1 name=$2; shift 2
        local args=()
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
        shift
        t_cleanup "$CTR -n $ns tasks kill -s KILL $name; sleep 0.3; $CTR -n $ns tasks rm -f $name; $CTR -n $ns containers rm $name"
        $CTR -n "$ns" run -d "${args[@]}" "$CTR_IMAGE" "$name" "$@" >/dev/null
}

# The freezer.state file of a process's cgroup (cgroup v1 host).
fleet_freezer_of() { echo "/sys/fs/cgroup/freezer$(awk -F: '$2 == "freezer" {print $3}' "/proc/$1/cgroup")/freezer.state"; }
