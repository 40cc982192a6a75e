"""The command line shared by run.pl, queue.pl and slurm.pl, parsed into a :class:`JobSpec`."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, List, Optional

USAGE = (
    "usage: run.pl [--max-jobs-run N] [--num-threads N] [--mem X] JOB=1:N <log-file-with-JOB> <command ...>\n"
    "   or: run.pl <log-file> <command ...>"
)


class UsageError(Exception):
    pass


@dataclasses.dataclass
class JobSpec:
    """A parsed run.pl/queue.pl/slurm.pl command line."""

    log_file: str
    command: str  # shell command, job variable not yet substituted
    job_var: Optional[str] = None
    job_start: int = 1
    job_end: int = 1
    max_jobs_run: Optional[int] = None
    num_threads: int = 1
    mem: Optional[str] = None
    gpu: int = 0
    pick: str = "all"
    ignored: List[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "JobSpec":
        return JobSpec(**d)  # type: ignore[arg-type]

    @property
    def job_ids(self) -> List[int]:
        return list(range(self.job_start, self.job_end + 1))

    def for_job(self, text: str, job: int) -> str:
        """Replace every occurrence of the job variable by ``job`` (as Kaldi's s/JOB/n/g)."""
        return text.replace(self.job_var, str(job)) if self.job_var else text

    def failed_logs_pattern(self) -> str:
        if self.job_var is None:
            return self.log_file
        if self.job_start == self.job_end:
            return self.for_job(self.log_file, self.job_start)
        return self.log_file.replace(self.job_var, "*")


def quote_args(args: List[str]) -> str:
    """Join arguments into one shell line the way Kaldi's run.pl does.

    Words without spaces stay as they are (so ``|`` is a pipe); others are quoted with
    '...' when they contain a double quote, else with "...".
    """
    out = []
    for a in args:
        if re.fullmatch(r"\S+", a):
            out.append(a)
        elif '"' in a:
            out.append(f"'{a}'")
        else:
            out.append(f'"{a}"')
    return " ".join(out)


def parse_args(argv: List[str], prog: str = "run.pl") -> JobSpec:
    """Parse Kaldi's job-runner arguments; raise UsageError on a malformed line."""
    args = list(argv)
    if len(args) < 2:
        raise UsageError(USAGE.replace("run.pl", prog))
    opts: Dict[str, object] = {"ignored": []}
    job_var = None
    start = end = 1
    for _ in range(2):  # options may come before or after JOB=1:N, as in Kaldi
        while len(args) >= 2 and args[0].startswith("-"):
            switch = args.pop(0)
            if switch == "-V":
                opts["ignored"].append(switch)  # type: ignore[union-attr]
                continue
            if "=" in switch and switch.startswith("--"):
                switch, value = switch.split("=", 1)
            else:
                value = args.pop(0)
            if switch in ("--max-jobs-run", "-tc"):
                try:
                    n = int(value)
                except ValueError:
                    n = 0
                if n <= 0:
                    raise UsageError(f"{prog}: invalid option --max-jobs-run {value}")
                prev = opts.get("max_jobs_run")
                opts["max_jobs_run"] = n if prev is None else min(int(prev), n)  # type: ignore[arg-type]
            elif switch == "--num-threads":
                try:
                    opts["num_threads"] = int(value)
                except ValueError:
                    raise UsageError(f"{prog}: invalid option --num-threads {value}")
            elif switch == "--mem":
                opts["mem"] = value
            elif switch == "--gpu":
                try:
                    opts["gpu"] = int(value)
                except ValueError:
                    raise UsageError(f"{prog}: invalid option --gpu {value}")
            elif switch == "--pick":
                if value not in ("all", "failed", "incomplete"):
                    raise UsageError(f"{prog}: --pick must be all, failed or incomplete")
                opts["pick"] = value
            else:
                opts["ignored"].extend([switch, value])  # type: ignore[union-attr]
        if args:
            m = re.fullmatch(r"([A-Za-z_]\w*)=(\d+):(\d+)", args[0])
            m1 = re.fullmatch(r"([A-Za-z_]\w*)=(\d+)", args[0])
            if m:
                job_var, start, end = m.group(1), int(m.group(2)), int(m.group(3))
                if start > end:
                    raise UsageError(f"{prog}: invalid job range {args[0]}")
                if start <= 0:
                    raise UsageError(f"{prog}: invalid job range {args[0]}, start must be strictly positive")
                args.pop(0)
            elif m1:
                job_var, start, end = m1.group(1), int(m1.group(2)), int(m1.group(2))
                args.pop(0)
    if len(args) < 2:
        raise UsageError(USAGE.replace("run.pl", prog))
    log_file = args.pop(0)
    if job_var is not None and end > start and job_var not in log_file:
        raise UsageError(
            f"{prog}: you are trying to run a parallel job but you are putting the output into just one log file ({log_file})"
        )
    return JobSpec(log_file=log_file, command=quote_args(args), job_var=job_var, job_start=start, job_end=end, **opts)  # type: ignore[arg-type]
