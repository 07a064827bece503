#!/bin/bash
# deploy/ checked offline: the DaemonSet manifest (yamllint, then a
# structural check in Python of what chaosd needs from it) and the systemd
# unit (its keys, then `systemd-analyze verify` when available). kubectl's
# --dry-run=client cannot help here: it still asks an API server for the
# resource mapping, and there is no cluster.
. "$(dirname "$0")/../lib.sh"
t_plan 38
cd "$(dirname "$0")/../.." || exit 1
DS=deploy/kubernetes/daemonset.yaml
UNIT=deploy/chaosd.service

if command -v yamllint >/dev/null; then
        out=$(yamllint -s "$DS" 2>&1) && t_pass "yamllint $DS (strict, default rules)" || t_fail "yamllint" "$out"
else
        t_skip yamllint "yamllint not installed (apt-get install yamllint)"
fi

# Each check() of the Python below is one check of this script (t_relay).
t_relay < <(python3 - "$DS" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
fails = []
def check(cond, what):
    print(("PASS: " if cond else "FAIL: ") + "daemonset: " + what)
    if not cond:
        fails.append(what)

ds = [d for d in docs if d.get("kind") == "DaemonSet"]
check(len(ds) == 1 and ds[0].get("apiVersion") == "apps/v1", "one apps/v1 DaemonSet")
ds = ds[0]
ns = ds["metadata"].get("namespace")
check(any(d["kind"] == "Namespace" and d["metadata"]["name"] == ns for d in docs), "its namespace %s is created" % ns)
spec = ds["spec"]
tmpl = spec["template"]
sel = spec["selector"]["matchLabels"]
check(all(tmpl["metadata"]["labels"].get(k) == v for k, v in sel.items()), "selector matches the pod labels")
pod = tmpl["spec"]
check(pod.get("hostPID") is True, "hostPID: true (targets are other pods' processes)")
check(pod.get("terminationGracePeriodSeconds", 30) >= 30, "grace period leaves time to revert on SIGTERM")
sa = pod.get("serviceAccountName")
check(any(d["kind"] == "ServiceAccount" and d["metadata"]["name"] == sa for d in docs), "service account %s exists" % sa)
cs = pod["containers"]
check(len(cs) == 1, "one container")
c = cs[0]
check(c.get("securityContext", {}).get("privileged") is True, "privileged")
args = c.get("command", []) + c.get("args", [])
def arg(flag):
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None
vols = {v["name"]: v for v in pod["volumes"]}
mounts = c.get("volumeMounts", [])
check(all(m["name"] in vols for m in mounts), "every volumeMount names a volume")
check(all(any(m["name"] == n for m in mounts) for n in vols), "every volume is mounted")
def host_path_of(path):
    """The host path behind a path inside the container, or None."""
    best = None
    for m in mounts:
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best[0]):
                best = (mp, m)
    if not best:
        return None
    v = vols[best[1]["name"]]
    if "hostPath" not in v:
        return ("<%s>" % list(v)[1]) + path[len(best[0]):]
    return v["hostPath"]["path"].rstrip("/") + path[len(best[0]):]
check(host_path_of("/sys/fs/cgroup/freezer") == "/sys/fs/cgroup/freezer", "the node's /sys/fs/cgroup is mounted")
env = {e["name"]: e["value"] for e in c.get("env", [])}
want = {
    "DOCKER_HOST": "/run/docker.sock",
    "CONTAINER_HOST": "/run/podman/podman.sock",
    "CHAOSD_CONTAINERD_STATE": "/run/containerd/io.containerd.runtime.v2.task",
    "CHAOSD_CONTAINERD_META": "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db",
    "CHAOSD_CRIO_STATE": "/run/containers/storage/overlay-containers",
    "CHAOSD_CRIO_STATIC": "/var/lib/containers/storage/overlay-containers",
    "CHAOSD_PODMAN_DB": "/var/lib/containers/storage/libpod/bolt_state.db",
}
for k, host in want.items():
    p = env.get(k, "").replace("unix://", "")
    check(host_path_of(p) == host, "%s=%s reaches the node's %s" % (k, p, host))
state = arg("--state-dir")
check(state is not None and host_path_of(state) == "/var/lib/chaosd", "--state-dir %s is the node's /var/lib/chaosd" % state)
sock = arg("--socket")
check(sock is not None and host_path_of(sock) is not None and host_path_of(sock).startswith("/run/chaosd/"),
      "--socket %s is on the node (/run/chaosd)" % sock)
listen = arg("--listen")
port = int(listen.rsplit(":", 1)[1]) if listen else None
check(any(p.get("containerPort") == port for p in c.get("ports", [])), "--listen %s has a container port" % listen)
tls = {f: arg(f) for f in ("--tls-cert", "--tls-key", "--tls-client-ca")}
sec = None
for f, p in tls.items():
    hp = host_path_of(p) if p else None
    ok = hp is not None and hp.startswith("<secret>")
    check(ok, "%s %s comes from a Secret" % (f, p))
for m in mounts:
    if "secret" in vols[m["name"]]:
        sec = vols[m["name"]]["secret"]
        check(m.get("readOnly") is True, "the Secret is mounted read-only")
        items = {i["path"] for i in sec.get("items", [])}
        for f, p in tls.items():
            check(p and p[len(m["mountPath"]) + 1:] in items, "%s file is an item of Secret %s" % (f, sec["secretName"]))
lp = c.get("livenessProbe", {})
cmd = " ".join(lp.get("exec", {}).get("command", []))
hg = lp.get("httpGet", {})
check(("/v1/health" in cmd and sock in cmd) or hg.get("path") == "/v1/health", "liveness probe asks /v1/health")
req = c.get("resources", {}).get("requests", {})
check("cpu" in req and "memory" in req, "resource requests for cpu and memory")
sys.exit(1 if fails else 0)
PY
)

t_relay < <(python3 - "$UNIT" <<'PY'
import sys, configparser
cp = configparser.ConfigParser(strict=False, interpolation=None)
cp.optionxform = str
cp.read(sys.argv[1])
fails = []
def check(cond, what):
    print(("PASS: " if cond else "FAIL: ") + "chaosd.service: " + what)
    if not cond:
        fails.append(what)
s = cp["Service"] if cp.has_section("Service") else {}
check(s.get("Restart") == "always", "Restart=always")
check("--recover" in s.get("ExecStopPost", ""), "ExecStopPost runs chaosd --recover")
start = s.get("ExecStart", "")
check("--socket-group" in start, "ExecStart gives the socket a group (--socket-group)")
sd = start.split("--state-dir")[1].split()[0] if "--state-dir" in start else None
check(sd is not None and sd in s.get("ExecStopPost", ""), "--recover uses the daemon's state dir %s" % sd)
check(s.get("KillSignal", "SIGTERM") == "SIGTERM", "stopped with SIGTERM (chaosd reverts on it)")
check(cp.has_section("Install") and cp["Install"].get("WantedBy"), "installable (WantedBy)")
sys.exit(1 if fails else 0)
PY
)

if command -v systemd-analyze >/dev/null; then
        # Missing binaries (not installed on the test machine) are the only
        # complaint allowed.
        out=$(systemd-analyze verify "$UNIT" 2>&1 | grep -v -e 'is not executable' -e "Command 'man ")
        [ -z "$out" ] && t_pass "systemd-analyze verify $UNIT" || t_fail "systemd-analyze verify" "$out"
else
        t_skip systemd-analyze "systemd-analyze not available"
fi
[ $T_FAILED = 0 ]
