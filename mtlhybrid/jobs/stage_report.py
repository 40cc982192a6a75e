"""Per recipe stage: wall time, and the CPU time and peak memory of the jobs it ran.

A recipe's ``run.sh`` appends ``<date> <time> stage <N> <seconds> s`` to
``exp/stage_times.txt`` when a stage ends; every run.pl job log under ``exp/``
starts with ``# Started at <date>`` and ends with ``# Accounting: time=<s> threads=<n>
cpu=<s> max_rss_kb=<kB>`` (:func:`mtlhybrid.jobs.logs.log_footer`). A job belongs to
the stage whose time span holds its start. Logs of other runners (or of run.pl before
it recorded memory) count as jobs without CPU or memory figures.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Union

from mtlhybrid.utils.errors import DataError

PathLike = Union[str, Path]

_STAGE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) stage (\S+) (\d+) s\s*$")
_STARTED = re.compile(r"^# Started at \w+ (\w+ +\d+ \d\d:\d\d:\d\d) \S+ (\d{4})\s*$")
_ACCOUNTING = re.compile(r"^# Accounting: time=(\d+)(?: threads=\d+)?(?: cpu=([\d.]+))?(?: max_rss_kb=(\d+))?")


@dataclass
class JobRecord:
    log: str
    start: float  # seconds since the epoch (local time, as the log's date)
    wall: Optional[int]
    cpu: Optional[float]
    max_rss_kb: Optional[int]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StageRecord:
    stage: str
    start: float
    wall: int
    jobs: List[JobRecord] = field(default_factory=list)

    @property
    def cpu(self) -> Optional[float]:
        known = [j.cpu for j in self.jobs if j.cpu is not None]
        return sum(known) if known else None

    @property
    def peak(self) -> Optional[JobRecord]:
        known = [j for j in self.jobs if j.max_rss_kb is not None]
        return max(known, key=lambda j: j.max_rss_kb) if known else None

    def to_dict(self) -> dict:
        p = self.peak
        return {"stage": self.stage, "wall_seconds": self.wall, "jobs": len(self.jobs), "job_cpu_seconds": self.cpu,
                "peak_rss_kb": p.max_rss_kb if p else None, "peak_log": p.log if p else None}


def read_stage_times(path: PathLike) -> List[StageRecord]:
    """The stages in ``stage_times.txt`` order (a stage run twice appears twice)."""
    out = []
    for k, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        m = _STAGE_LINE.match(line)
        if not m:
            raise DataError(f"not a stage time line: {line!r}", path=str(path), line=k)
        end = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
        out.append(StageRecord(m.group(2), end - int(m.group(3)), int(m.group(3))))
    return out


def read_job_log(path: PathLike) -> Optional[JobRecord]:
    """The start, wall and CPU time and peak memory a job log records; None if it has no start line."""
    start = wall = cpu = rss = None
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("#"):
                continue
            m = _STARTED.match(line)
            if m and start is None:
                start = time.mktime(time.strptime(f"{m.group(1)} {m.group(2)}", "%b %d %H:%M:%S %Y"))
                continue
            m = _ACCOUNTING.match(line)
            if m:
                wall = int(m.group(1))
                cpu = float(m.group(2)) if m.group(2) else None
                rss = int(m.group(3)) if m.group(3) else None
    if start is None:
        return None
    return JobRecord(str(path), start, wall, cpu, rss)


def stage_report(exp_dir: PathLike) -> List[StageRecord]:
    """Stages of ``<exp_dir>/stage_times.txt`` with the job logs under ``<exp_dir>`` (any
    ``*.log`` with run.pl's ``# Started at`` line: ``exp/*/log/``, ``exp/make_mfcc/<part>/``)
    that started in each; jobs outside every recorded stage (e.g. of a stage still
    running) go to a last stage named ``-``."""
    exp = Path(exp_dir)
    times = exp / "stage_times.txt"
    if not times.is_file():
        raise DataError("no stage_times.txt (written by the recipe's run.sh)", path=str(times))
    stages = read_stage_times(times)
    other = StageRecord("-", 0.0, 0)
    for log in sorted(exp.glob("**/*.log")):
        job = read_job_log(log)
        if job is None:
            continue
        # The latest stage that started at or before the job and had not ended (1 s of date rounding).
        home = [s for s in stages if s.start - 1 <= job.start <= s.start + s.wall + 1]
        (home[-1] if home else other).jobs.append(job)
    return stages + ([other] if other.jobs else [])


def format_report(stages: List[StageRecord]) -> str:
    """A Markdown table: stage, wall time, jobs, their CPU time, the largest peak memory and its log."""
    rows = [["stage", "wall (s)", "jobs", "job CPU (s)", "peak RSS (MB)", "log of the peak"]]
    for s in stages:
        p = s.peak
        rows.append([s.stage, str(s.wall) if s.stage != "-" else "", str(len(s.jobs)),
                     f"{s.cpu:.1f}" if s.cpu is not None else "-",
                     f"{p.max_rss_kb / 1024:.0f}" if p else "-", p.log if p else ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    fmt = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([fmt(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in rows[1:]])
