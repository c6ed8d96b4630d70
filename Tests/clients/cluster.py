"""Real `peer agent` processes on loopback for the client tests: free ports, data dirs, cleanup."""

import base64
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

FAST_TIMING = [
    "--profile", "local", "--probe-interval", "200", "--probe-timeout", "100", "--gossip-interval", "50",
    "--suspicion-mult", "2", "--push-pull-interval", "2000",
]


def peer_binary() -> str:
    path = os.environ.get("PEER_BIN")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("PEER_BIN must name the built `peer` executable (scripts/test.sh sets it)")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Agent:
    name: str
    gossip: int
    rpc: int
    kafka: int
    data_dir: str
    args: list
    process: subprocess.Popen = None
    log_path: str = ""

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka}"

    def start(self):
        self.log_path = os.path.join(self.data_dir, f"agent-{int(time.time() * 1000)}.log")
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [peer_binary()] + self.args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def kill(self):
        """SIGKILL: a crash, with no chance to flush anything."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines=20) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return "(no log)"


@dataclass
class Cluster:
    directory: str
    agents: list = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return ",".join(a.bootstrap for a in self.agents)

    def start(self, count: int, voters: int = 3):
        key = base64.b64encode(os.urandom(32)).decode()
        names = [f"n{i + 1}" for i in range(count)]
        voter_names = ",".join(names[: min(voters, count)])
        for i, name in enumerate(names):
            data_dir = os.path.join(self.directory, name)
            os.makedirs(data_dir, exist_ok=True)
            agent = Agent(name, free_port(), free_port(), free_port(), data_dir, [])
            agent.args = [
                "agent", "--name", name, "--bind", f"127.0.0.1:{agent.gossip}", "--rpc", f"127.0.0.1:{agent.rpc}",
                "--kafka", f"127.0.0.1:{agent.kafka}", "--key", key, "--data-dir", data_dir, "--roles", "broker",
                "--voters", voter_names, "--lease-ms", "1000", "--exit-with-parent",
            ] + FAST_TIMING
            if i > 0:
                agent.args += ["--seed", f"127.0.0.1:{self.agents[0].gossip}"]
            self.agents.append(agent)
            agent.start()
        return self

    def restart(self, agent):
        """Starts `agent` again, joining through every other agent, as an operator would give a restarted node
        seeds (the first node started with none, and a node that left is not redialled by the others)."""
        args = [a for a in agent.args]
        while "--seed" in args:
            i = args.index("--seed")
            del args[i:i + 2]
        for other in self.agents:
            if other is not agent:
                args += ["--seed", f"127.0.0.1:{other.gossip}"]
        agent.args = args
        agent.start()

    def stop(self):
        for agent in self.agents:
            agent.kill()

    def describe_failure(self) -> str:
        return "\n".join(f"--- {a.name}\n{a.log_tail()}" for a in self.agents)
