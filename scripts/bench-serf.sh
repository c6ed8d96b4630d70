#!/usr/bin/env bash
# Measures HashiCorp serf on this machine the way `peer bench` measures peer, for a fair comparison:
# N `serf agent` processes on 127.0.0.1 (encrypted, like peer's sealing), the seed started first and every other
# agent joining through it; join convergence, crash detection (SIGKILL a random non-seed node, until the first and
# every survivor report it `failed`), then an idle window (VmRSS and CPU from /proc, UDP datagrams and IP bytes
# sent). Member lists are polled over serf's own msgpack RPC on persistent connections (not by spawning
# `serf members` per poll, which would load the machine far more than peer bench's HTTP polling does).
#
# Traffic: serf exposes no per-node send counters, so when possible the whole run happens in a private network
# namespace (`unshare -n`, needs root) whose /proc/net counters then belong to this cluster alone. Datagrams are
# exact; bytes are IP bytes (UDP and TCP push-pull, headers included), so they overstate gossip payload a little.
#
# Needs: serf (apt-get install -y serf) and python3-msgpack (apt-get install -y python3-msgpack).
# Usage: scripts/bench-serf.sh [--nodes 10] [--profile lan] [--crashes 3] [--idle-seconds 10]
#                              [--base-port 37946] [--poll-interval 50] [--json] [--no-encrypt]
# Every agent is killed on exit, error or Ctrl-C (and, through PR_SET_PDEATHSIG, if this script is killed).
set -euo pipefail

PYTHON=/usr/bin/python3
command -v serf >/dev/null || { echo "bench-serf: serf not found (apt-get install -y serf)" >&2; exit 1; }
"$PYTHON" -c 'import msgpack' 2>/dev/null ||
    { echo "bench-serf: python3-msgpack not found (apt-get install -y python3-msgpack)" >&2; exit 1; }

exec "$PYTHON" - "$@" <<'PYTHON'
import argparse, ctypes, json, os, random, signal, socket, subprocess, sys, tempfile, time

import msgpack

parser = argparse.ArgumentParser(prog="bench-serf.sh", description="Benchmark serf agents on 127.0.0.1.")
parser.add_argument("--nodes", type=int, default=10)
parser.add_argument("--profile", default="lan", choices=["lan", "local", "wan"])
parser.add_argument("--crashes", type=int, default=3)
parser.add_argument("--idle-seconds", type=float, default=10.0)
parser.add_argument("--base-port", type=int, default=37946)
parser.add_argument("--poll-interval", type=int, default=50, help="ms")
parser.add_argument("--json", action="store_true")
parser.add_argument("--no-encrypt", action="store_true")
args = parser.parse_args()
if not 2 <= args.nodes <= 64:
    parser.error("--nodes must be between 2 and 64")
if not 0 <= args.crashes <= args.nodes - 2:
    parser.error(f"--crashes must be between 0 and {args.nodes - 2}")
if not args.idle_seconds > 0:
    parser.error("--idle-seconds must be positive")
if args.base_port < 1 or args.base_port + 2 * args.nodes - 1 > 65535:
    parser.error("--base-port: ports do not fit")



def enter_private_network_namespace():
    """Moves this process (and so every agent it starts) into a fresh network namespace with loopback up, so the
    namespace's /proc/net counters count this cluster's traffic only. Needs root; False when not possible."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
        return False
    return subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


N = args.nodes
POLL = args.poll_interval / 1000
IN_NETNS = enter_private_network_namespace()
TICKS = os.sysconf("SC_CLK_TCK")
JOIN_TIMEOUT, DETECT_TIMEOUT, SETTLE_TIMEOUT, QUIET = 60, 120, 60, 2.0
names = [f"node{i + 1}" for i in range(N)]
gossip_ports = [args.base_port + i for i in range(N)]
rpc_ports = [args.base_port + N + i for i in range(N)]
workdir = tempfile.mkdtemp(prefix="bench-serf-")
processes = {}
crashed = set()


def progress(message):
    print(f"bench-serf: {message}", file=sys.stderr, flush=True)


def die_with_parent():
    """Runs in the child before exec: SIGKILL it when this harness dies, so no agent is ever orphaned."""
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(index, key):
    command = [
        "serf", "agent", f"-node={names[index]}", f"-bind=127.0.0.1:{gossip_ports[index]}",
        f"-rpc-addr=127.0.0.1:{rpc_ports[index]}", f"-profile={args.profile}", "-log-level=warn",
    ]
    if key:
        command.append(f"-encrypt={key}")
    if index > 0:
        command.append(f"-join=127.0.0.1:{gossip_ports[0]}")
    log = open(os.path.join(workdir, f"{names[index]}.log"), "wb")
    processes[index] = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
    )


def cleanup():
    for process in processes.values():
        if process.poll() is None:
            process.kill()
    for process in processes.values():
        process.wait()


def on_signal(number, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, on_signal)


def check_alive():
    for index, process in processes.items():
        if index not in crashed and process.poll() is not None:
            raise RuntimeError(f"{names[index]} exited unexpectedly (logs in {workdir})")


class SerfRPC:
    """One persistent connection to an agent's msgpack RPC: handshake once, then `members` on demand."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.unpacker = msgpack.Unpacker(raw=False)
        self.seq = 0
        self.call("handshake", {"Version": 1}, body_expected=False)

    def call(self, command, body=None, body_expected=True):
        self.seq += 1
        payload = msgpack.packb({"Command": command, "Seq": self.seq})
        if body is not None:
            payload += msgpack.packb(body)
        self.sock.sendall(payload)
        header = self.read()
        if header.get("Error"):
            raise RuntimeError(f"serf rpc {command}: {header['Error']}")
        return self.read() if body_expected else None

    def read(self):
        while True:
            for item in self.unpacker:
                return item
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed")
            self.unpacker.feed(data)

    def members(self):
        return {m["Name"]: m["Status"] for m in self.call("members")["Members"]}


clients = {}


def view(index):
    """(arrival time, {name: status}) of one agent, or None when it does not answer."""
    try:
        if index not in clients:
            clients[index] = SerfRPC(rpc_ports[index])
        members = clients[index].members()
        return time.monotonic(), members
    except (OSError, ConnectionError, RuntimeError, ValueError):
        clients.pop(index, None)
        return None


def first_times(what, observers, since, timeout, condition):
    """Polls until each observer has once satisfied `condition`; seconds from `since` to its first such answer."""
    times = {}
    while True:
        started = time.monotonic()
        check_alive()
        for index in observers:
            if index in times:
                continue
            answer = view(index)
            if answer and condition(answer[1]):
                times[index] = answer[0] - since
        if len(times) == len(observers):
            return times
        if time.monotonic() - since > timeout:
            raise RuntimeError(f"timed out waiting for {what} ({len(times)} of {len(observers)} nodes there)")
        time.sleep(max(0.0, POLL - (time.monotonic() - started)))


def settle(survivors, dead):
    alive = {names[i] for i in survivors}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        check_alive()
        views = [view(i) for i in survivors]
        if all(
            v and {n for n, s in v[1].items() if s == "alive"} == alive and all(v[1].get(d) == "failed" for d in dead)
            for v in views
        ):
            return
        time.sleep(POLL)
    raise RuntimeError("timed out waiting for the cluster to settle")


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / TICKS


def net_counters():
    """(UDP datagrams sent, IP bytes sent) of this network namespace."""
    def table(path, prefix):
        with open(path) as file:
            rows = [line.split() for line in file if line.startswith(prefix)]
        return dict(zip(rows[0][1:], map(int, rows[1][1:])))
    return table("/proc/net/snmp", "Udp:")["OutDatagrams"], table("/proc/net/netstat", "IpExt:")["OutOctets"]


def summary(values):
    return {"mean": sum(values) / len(values), "min": min(values), "max": max(values)} if values else None


def run():
    key = None
    if not args.no_encrypt:
        key = subprocess.run(["serf", "keygen"], check=True, capture_output=True, text=True).stdout.strip()
    everyone = list(range(N))
    spawn(0, key)
    first_times("node1 to answer", [0], time.monotonic(), 10, lambda members: True)
    for index in everyone[1:]:
        spawn(index, key)
    last_spawn = time.monotonic()
    progress(f"node1 is up; spawned {N - 1} more agents; waiting until each sees all alive")
    all_names = set(names)
    joined = first_times(
        "join convergence", everyone, last_spawn, JOIN_TIMEOUT,
        lambda m: {n for n, s in m.items() if s == "alive"} == all_names,
    )
    convergence = max(joined.values())
    progress(f"converged after {convergence:.3f} s; measuring {args.idle_seconds:.0f} s of idle")

    # Idle: close our RPC connections so nothing but gossip runs during the window.
    time.sleep(QUIET)
    for client in clients.values():
        client.sock.close()
    clients.clear()
    net_before = net_counters() if IN_NETNS else None
    before = [proc_sample(processes[i].pid) for i in everyone]
    started = time.monotonic()
    time.sleep(args.idle_seconds)
    window = time.monotonic() - started
    after = [proc_sample(processes[i].pid) for i in everyone]
    net_after = net_counters() if IN_NETNS else None
    check_alive()
    cpu = [(a[1] - b[1]) / window * 100 for b, a in zip(before, after)]
    rss = [a[0] for a in after]
    idle = {
        "windowSeconds": window,
        "rssKiBMean": sum(rss) / N,
        "rssKiBMax": max(rss),
        "cpuPercentMean": sum(cpu) / N,
        "cpuPercentMax": max(cpu),
        "datagramsPerNodePerSecond": (net_after[0] - net_before[0]) / N / window if IN_NETNS else None,
        "ipBytesPerNodePerSecond": (net_after[1] - net_before[1]) / N / window if IN_NETNS else None,
    }

    rounds = []
    for round_number in range(1, args.crashes + 1):
        victim = random.choice([i for i in everyone if i != 0 and i not in crashed])
        crashed.add(victim)
        processes[victim].kill()
        killed_at = time.monotonic()
        processes[victim].wait()
        clients.pop(victim, None)
        survivors = [i for i in everyone if i not in crashed]
        detected = first_times(
            f"every survivor to see {names[victim]} failed", survivors, killed_at, DETECT_TIMEOUT,
            lambda m: m.get(names[victim]) == "failed",
        )
        result = {
            "victim": names[victim],
            "firstSurvivorSeconds": min(detected.values()),
            "allSurvivorsSeconds": max(detected.values()),
        }
        rounds.append(result)
        progress(
            f"crash {round_number}/{args.crashes}: {names[victim]} seen failed by the first survivor after "
            f"{result['firstSurvivorSeconds']:.3f} s, by every survivor after {result['allSurvivorsSeconds']:.3f} s"
        )
        settle(survivors, [names[i] for i in crashed])

    return {
        "implementation": "serf " + subprocess.run(["serf", "version"], capture_output=True, text=True).stdout.split()[1],
        "nodes": N,
        "profile": args.profile,
        "encrypted": key is not None,
        "pollIntervalMilliseconds": args.poll_interval,
        "joinConvergenceSeconds": convergence,
        "crashes": rounds,
        "crashDetectionFirst": summary([r["firstSurvivorSeconds"] for r in rounds]),
        "crashDetectionAll": summary([r["allSurvivorsSeconds"] for r in rounds]),
        "idle": idle,
    }


def table(report):
    def row(label, mean="", low="", high=""):
        return f"{label:<34}{mean:<12}{low:<12}{high}".rstrip()

    idle = report["idle"]
    lines = [
        f"serf bench · {report['nodes']} nodes · profile {report['profile']} · polled every "
        f"{report['pollIntervalMilliseconds']} ms · idle window {idle['windowSeconds']:.1f} s",
        "",
        row("Measure", "Mean", "Min", "Max"),
        row("join convergence", f"{report['joinConvergenceSeconds']:.3f} s"),
    ]
    for label, key in [("crash detection, first survivor", "crashDetectionFirst"),
                       ("crash detection, every survivor", "crashDetectionAll")]:
        if report[key]:
            s = report[key]
            lines.append(row(label, f"{s['mean']:.3f} s", f"{s['min']:.3f} s", f"{s['max']:.3f} s"))
    lines.append(row("idle RSS per agent", f"{idle['rssKiBMean'] / 1024:.1f} MiB", "", f"{idle['rssKiBMax'] / 1024:.1f} MiB"))
    lines.append(row("idle CPU per agent", f"{idle['cpuPercentMean']:.1f}%", "", f"{idle['cpuPercentMax']:.1f}%"))
    if idle["datagramsPerNodePerSecond"] is not None:
        lines.append(row("UDP datagrams sent per node", f"{idle['datagramsPerNodePerSecond']:.1f}/s"))
        lines.append(row("IP bytes sent per node", f"{idle['ipBytesPerNodePerSecond']:.1f} B/s"))
    else:
        lines.append("(traffic not measured: needs a private network namespace, i.e. root for unshare -n)")
    if report["crashes"]:
        lines += ["", f"{'Crash':<7}{'Victim':<8}{'First survivor':<16}Every survivor"]
        for number, r in enumerate(report["crashes"], 1):
            first = f"{r['firstSurvivorSeconds']:.3f} s"
            lines.append(f"{number:<7}{r['victim']:<8}{first:<16}{r['allSurvivorsSeconds']:.3f} s")
    return "\n".join(lines)


try:
    report = run()
except KeyboardInterrupt:
    cleanup()
    print(f"bench-serf: interrupted; every agent stopped, logs kept in {workdir}", file=sys.stderr)
    sys.exit(130)
except Exception as error:
    cleanup()
    print(f"bench-serf: {error} (logs kept in {workdir})", file=sys.stderr)
    sys.exit(1)
cleanup()
print(json.dumps(report, indent=2, sort_keys=True) if args.json else table(report))
PYTHON
