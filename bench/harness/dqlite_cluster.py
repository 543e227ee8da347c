"""A local dqlite cluster for the benchmark: dqlite-demo nodes on free loopback ports, joined, stopped on exit."""
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from runner import run_checked


def free_loopback_address():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def peak_memory_kib(pid):
    """VmHWM: the process's peak resident set since start, or since reset_peak_memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak_memory(pid):
    """Writing 5 to clear_refs resets VmHWM to the current resident set (Linux 4.0+)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class DqliteCluster:
    """NODES dqlite-demo processes under FOLDER; TOOL is litemig_bench_cluster (waits for the cluster to form)."""

    def __init__(self, folder, nodes, tool):
        self.folder = Path(folder)
        self.tool = tool
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.addresses = []
        self.processes = []
        try:
            for i in range(nodes):
                address, api = free_loopback_address(), free_loopback_address()
                command = ["dqlite-demo", "-a", api, "-d", address, "-D", self.folder / f"node-{i}"]
                if i:
                    command += ["-j", self.addresses[0]]
                (self.folder / f"node-{i}").mkdir()
                log = open(self.folder / f"node-{i}.log", "w")
                self.processes.append(subprocess.Popen([str(c) for c in command], stdout=log, stderr=subprocess.STDOUT))
                self.addresses.append(address)
                run_checked([self.tool, "wait", address, 0])
            run_checked([self.tool, "wait", self.nodes, nodes])
        except BaseException:
            self.stop()
            raise

    @property
    def nodes(self):
        return ",".join(self.addresses)

    def url(self, database):
        return f"dqlite://{self.nodes}/{database}"

    def stop(self):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
