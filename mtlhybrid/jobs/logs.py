"""The job log every runner writes, and the outcome read back from it.

A log starts with ``# <command>`` and ``# Started at <date>`` and ends with
``# Accounting: time=<s> threads=<n>`` and ``# Ended (code <rc>) at <date>``, as Kaldi's
run.pl writes it, so ``--pick failed`` and the cluster runners read outcomes the same way.
run.pl adds the job's CPU time and peak resident memory to the accounting line
(``cpu=<s> max_rss_kb=<kB>``: the wait4 rusage of the job's process tree), which
:mod:`mtlhybrid.jobs.stage_report` collects per recipe stage.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Dict, Optional

from mtlhybrid.jobs.spec import JobSpec


def now() -> str:
    """The date as the ``date`` command prints it (Kaldi's logs use it)."""
    return time.strftime("%a %b %d %H:%M:%S %Z %Y")


def log_header(command: str) -> str:
    return f"# {command}\n# Started at {now()}\n#\n"


def log_footer(rc: int, seconds: int, threads: int = 1, cpu_seconds: Optional[float] = None,
               max_rss_kb: Optional[int] = None) -> str:
    if rc < 0:
        status = f"code {128 - rc}; signal {-rc}"
    else:
        status = f"code {rc}"
    extra = (f" cpu={cpu_seconds:.2f}" if cpu_seconds is not None else "") + (f" max_rss_kb={max_rss_kb}" if max_rss_kb is not None else "")
    return f"# Accounting: time={seconds} threads={threads}{extra}\n# Ended ({status}) at {now()}, elapsed time {seconds} seconds\n"


def previous_outcome(log: Path) -> Optional[int]:
    """Exit code recorded at the end of an earlier run's log (None: absent or incomplete)."""
    if not log.is_file():
        return None
    code = None
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"# Ended \(code (\d+)", line)
        if m:
            code = int(m.group(1))
    return code


def outcomes_from_logs(spec: JobSpec) -> Dict[int, int]:
    """job -> 0 when its log ends with ``# Ended (code 0)``, else 1 (missing or failed)."""
    return {j: 0 if previous_outcome(Path(spec.for_job(spec.log_file, j))) == 0 else 1 for j in spec.job_ids}


def report_failures(spec: JobSpec, results: Dict[int, int], prog: str = "run.pl") -> int:
    """Kaldi's summary line (``N / M failed, log is in ...``); 1 when any job failed."""
    failed = [j for j, rc in results.items() if rc != 0]
    if not failed:
        return 0
    njobs = len(spec.job_ids)
    if njobs == 1:
        print(f"{prog}: job failed, log is in {spec.failed_logs_pattern()}", file=sys.stderr)
    else:
        print(f"{prog}: {len(failed)} / {njobs} failed, log is in {spec.failed_logs_pattern()}", file=sys.stderr)
    return 1
