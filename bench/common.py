"""Shared pieces of the bench/ commands: timing, machine description, JSON results, tables.

Every bench command runs the compared paths side by side in one process, interleaved
item by item (utterance, batch or repetition), and reports CPU time of this process
(``time.process_time``) as well as wall time: the machines are shared, so the ratio
between paths measured in the same loop is the number to trust, not absolute speeds.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, List, Sequence

REPO = Path(__file__).resolve().parent.parent


def one_thread() -> None:
    """Benchmarks compare per-core speed: one torch / BLAS thread."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)


class Timer:
    """Accumulates CPU and wall seconds per named part."""

    def __init__(self) -> None:
        self.cpu: Dict[str, float] = {}
        self.wall: Dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        c, w = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w


def machine() -> dict:
    """Where the numbers came from: CPU, cores, load, commit."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "", False
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:  # bench/gmm_kaldi.py runs in a virtual env without torch
        torch_version = None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "load_avg_1min": os.getloadavg()[0],
        "python": platform.python_version(), "torch": torch_version,
        "commit": commit + ("+dirty" if dirty else ""),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, "-m", "bench." + Path(sys.argv[0]).stem] + sys.argv[1:]),
    }


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A Markdown table (what BENCHMARKS.md holds)."""
    cells = [[str(h) for h in header]] + [[f"{c:.4g}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    fmt = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([fmt(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in cells[1:]])


def finish(name: str, out: str, result: dict, rows: List[Sequence[object]], header: Sequence[str]) -> None:
    """Write ``result`` (plus the machine) as JSON to ``out`` and print the table."""
    result = {"bench": name, "machine": machine(), **result}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    print(f"# {name}: commit {m['commit']}, {m['cpu']}, {m['cores']} cores, load {m['load_avg_1min']:.1f}")
    print(table(rows, header))
    print(f"(JSON: {out})")
