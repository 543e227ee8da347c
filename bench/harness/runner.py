"""Timed runs of external commands (through litemig_bench_measure) and fresh database copies."""
import os
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    peak_anon_kib: int
    exit_code: int
    cpu_seconds: float = 0.0  # user + system time of the child


@dataclass
class Result:
    """Every run of one tool in one case, with what the runs produced."""

    scenario: str
    case: str
    tool: str
    runs: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    records: int = 0

    def _times(self, measure):
        return [getattr(run, measure) for run in self.runs]

    @property
    def median(self):
        return statistics.median(self._times("seconds"))

    @property
    def spread(self):
        return min(self._times("seconds")), max(self._times("seconds"))

    @property
    def cpu_median(self):
        return statistics.median(self._times("cpu_seconds"))

    @property
    def cpu_spread(self):
        return min(self._times("cpu_seconds")), max(self._times("cpu_seconds"))

    @property
    def max_rss_mib(self):
        return max(run.max_rss_kib for run in self.runs) / 1024

    @property
    def peak_anon_mib(self):
        return max(run.peak_anon_kib for run in self.runs) / 1024

    @property
    def verified(self):
        return not self.problems


class CommandFailed(RuntimeError):
    pass


def shown(command):
    """The command as a reader needs it: file arguments by name only, not by where this run kept them."""
    return " ".join(Path(str(part)).name if "/" in str(part) and " " not in str(part) else str(part) for part in command)


class Measurer:
    def __init__(self, measure_binary, log_dir):
        self.binary = str(measure_binary)
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.counter = 0
        self.last_log_of = {}  # program name -> the log of its latest run

    def run(self, command, *, stdin=None, repeat=1, sample_anon=False, cwd=None, allowed_exit=(0,), timeout=600,
            terminal=False):
        """Runs COMMAND REPEAT times; returns [Run]. Output goes to a log file, kept for reading; with
        TERMINAL, stderr is a pseudo-terminal and what it shows goes to the log's .terminal file.
        A run still going after TIMEOUT seconds is killed and counts as failed (exit code 124)."""
        self.counter += 1
        log = self.log_dir / f"{self.counter:04}-{Path(command[0]).name}.log"
        arguments = [self.binary, "--repeat", str(repeat), "--output", str(log), "--timeout", str(timeout)]
        if stdin:
            arguments += ["--stdin", str(stdin)]
        if sample_anon:
            arguments.append("--sample-anon")
        if terminal:
            arguments += ["--terminal-output", str(log.with_suffix(".terminal"))]
        completed = subprocess.run(arguments + ["--"] + [str(c) for c in command], cwd=cwd, capture_output=True, text=True)
        if completed.returncode != 0:
            raise CommandFailed(f"measure failed: {completed.stderr.strip()}")
        runs = []
        for line in completed.stdout.split("\n"):
            if line.strip():
                seconds, rss, anon, code, cpu = line.split()
                runs.append(Run(float(seconds), int(rss), int(anon), int(code), float(cpu)))
        bad = [run for run in runs if run.exit_code not in allowed_exit]
        if bad:
            if bad[0].exit_code == 124:
                raise CommandFailed(f"{shown(command)} did not finish within {timeout} s")
            tail = log.read_text(errors="replace").strip().splitlines()[-2:]
            raise CommandFailed(f"{shown(command)} exited {bad[0].exit_code}: {' | '.join(tail)}")
        self.last_log = log
        self.last_log_of[Path(command[0]).name] = log
        return runs


def fresh_copy(source, destination):
    """A byte copy of SOURCE, flushed to disk so no tool pays for the previous one's writeback."""
    destination = Path(destination)
    for leftover in destination.parent.glob(destination.name + "*"):
        leftover.unlink()
    shutil.copyfile(source, destination)
    with open(destination, "rb+") as handle:
        os.fsync(handle.fileno())
    os.sync()
    return destination


def run_checked(command, **kwargs):
    completed = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if completed.returncode != 0:
        lines = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        raise CommandFailed(f"{shown(command)} exited {completed.returncode}: {' | '.join(lines[-2:])}")
    return completed.stdout
