"""Memory and time measurement of child processes.

Why each system runs in its own child: peak memory (`ru_maxrss`) is a
high-water mark of a whole process, so measuring two systems in one process
would report the larger of the two for both. `os.wait4` returns the rusage
of exactly the child waited for. newsarchive indexes with worker processes;
their peak is the child's own `RUSAGE_CHILDREN` (reported by the child), and
a sampler adds up the resident memory of the whole process tree every
quarter second for the simultaneous total.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss_kb(pid: int, key: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    kids = [int(x) for x in fh.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, and of their PSS.

    Summed RSS counts every page a forked worker still shares with its
    parent (the segmenter's dictionary, the gazetteer) once per process;
    summed PSS (`pss=True`) divides shared pages among their sharers, so it
    is what the tree takes from the machine. Both are kept: RSS is what the
    issue's targets were first stated in.
    """

    def __init__(self, pid: int, every: float = 0.25, pss: bool = False):
        super().__init__(daemon=True)
        self.pid = pid
        self.every = every
        self.pss = pss
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            tree = [self.pid, *descendants(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in tree))
            if self.pss:
                self.peak_pss_kb = max(self.peak_pss_kb, sum(pss_kb(p) for p in tree))
            self._done.wait(self.every)

    def stop(self):
        self._done.set()
        self.join()


def run_child(spec: dict, timeout: float | None = None) -> dict:
    """Run `python -m bench _child` on `spec`; its result plus measured memory and time."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        spec = dict(spec, result=str(Path(tmp) / "result.json"))
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench", "_child", json.dumps(spec)],
            cwd=Path(__file__).resolve().parent.parent,
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"child {spec['phase']} {spec['system']} exited {proc.returncode}")
        result = json.loads(Path(spec["result"]).read_text("utf-8"))
    result["process"] = {
        "wall_seconds": round(wall, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "tree_peak_rss_mb": round(sampler.peak_kb / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }
    return result


def child_usage() -> dict:
    """The calling process's own peak memory and CPU, and its finished children's."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self_peak_rss_mb": round(me.ru_maxrss / 1024, 1),
        "workers_peak_rss_mb": round(kids.ru_maxrss / 1024, 1),
        "cpu_seconds": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 2),
    }


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), without needing numpy here."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)
