"""run.pl: run a command as N parallel jobs on this machine, one log per job (Kaldi's run.pl).

Usage: run.pl [--max-jobs-run N] [--num-threads N] [--mem X] [--gpu N] JOB=1:N <log-file-with-JOB> <command ...>
       run.pl <log-file> <command ...>

The command is run with bash (so quoted pipes ``\\|`` in a step script become pipes here);
the job variable (``JOB``) is replaced by the job number in the log name and the command.
Each log starts with ``# <command>`` and ``# Started at <date>`` and ends with
``# Accounting: time=<s> threads=1`` and ``# Ended (code <rc>) at <date>``. At most
--max-jobs-run jobs run at once (default: all of them). If any job fails, run.pl exits 1
and names the failed logs. --mem and unknown ``--opt value`` pairs are accepted and
ignored, as Kaldi's run.pl does, so one $cmd works with run.pl, queue.pl and slurm.pl.

--num-threads N (default 1) becomes ``OMP_NUM_THREADS=N`` in each job's environment unless
the caller set OMP_NUM_THREADS: Kaldi's binaries are single-threaded, but torch and numpy
start one thread per core, and N parallel jobs of such threads on N cores spend most of
their time waiting for each other (measured: two GMM alignment jobs on 2 cores took 18 s
each with torch's default threads and 8 s with one thread each).
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from mtlhybrid.utils.cli import tool_main

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


def now() -> str:
    """The date as the ``date`` command prints it (Kaldi's logs use it)."""
    return time.strftime("%a %b %d %H:%M:%S %Z %Y")


def log_header(command: str) -> str:
    return f"# {command}\n# Started at {now()}\n#\n"


def log_footer(rc: int, seconds: int, threads: int = 1) -> str:
    if rc < 0:
        status = f"code {128 - rc}; signal {-rc}"
    else:
        status = f"code {rc}"
    return f"# Accounting: time={seconds} threads={threads}\n# Ended ({status}) at {now()}, elapsed time {seconds} seconds\n"


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


def job_environment(num_threads: int) -> Dict[str, str]:
    """The environment of a job: ours, with the threads of torch/numpy capped (see above)."""
    import os

    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, num_threads)))
    return env


class _Running:
    def __init__(self, job: int, log: Path, command: str, num_threads: int = 1):
        self.job, self.log, self.command = job, log, command
        self.threads = max(1, num_threads)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as f:
            f.write(log_header(command))
        self.start = time.time()
        self.fh = open(log, "a")
        # Own process group: an interrupted run.pl can stop the whole pipeline of the job.
        self.proc = subprocess.Popen(
            ["bash", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=job_environment(self.threads),
        )

    def finish(self) -> int:
        rc = self.proc.returncode
        self.fh.close()
        with open(self.log, "a") as f:
            f.write(log_footer(rc, int(round(time.time() - self.start)), self.threads))
        return 0 if rc == 0 else 1


def run_local(spec: JobSpec) -> Dict[int, int]:
    """Run every job, at most ``spec.max_jobs_run`` at once; returns job -> exit status (0/1)."""
    import os
    import signal

    pending = list(spec.job_ids)
    limit = spec.max_jobs_run or len(pending)
    active: List[_Running] = []
    results: Dict[int, int] = {}
    try:
        while pending or active:
            while pending and len(active) < limit:
                job = pending.pop(0)
                log = Path(spec.for_job(spec.log_file, job))
                prev = previous_outcome(log) if spec.pick != "all" else None
                if prev == 0 or (prev is not None and spec.pick == "incomplete"):
                    results[job] = 0 if prev == 0 else 1  # kept from the earlier run
                    continue
                active.append(_Running(job, log, spec.for_job(spec.command, job), spec.num_threads))
            still = []
            for r in active:
                if r.proc.poll() is None:
                    still.append(r)
                else:
                    results[r.job] = r.finish()
            if len(still) == len(active) and active:
                time.sleep(0.02)
            active = still
    except KeyboardInterrupt:
        for r in active:
            try:
                os.killpg(r.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        raise
    return results


def report_failures(spec: JobSpec, results: Dict[int, int], prog: str = "run.pl") -> int:
    failed = [j for j, rc in results.items() if rc != 0]
    if not failed:
        return 0
    njobs = len(spec.job_ids)
    if njobs == 1:
        print(f"{prog}: job failed, log is in {spec.failed_logs_pattern()}", file=sys.stderr)
    else:
        print(f"{prog}: {len(failed)} / {njobs} failed, log is in {spec.failed_logs_pattern()}", file=sys.stderr)
    return 1


def jobs_main(argv: Optional[List[str]], prog: str, doc: str, run: Callable[[JobSpec], int]) -> int:
    """The command line run.pl, slurm.pl and queue.pl share: ``--help``, usage errors, then ``run(spec)``.

    Only how the jobs are run differs between the three, so the front end is written once.
    """
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(doc)
        return 0
    try:
        spec = parse_args(args, prog=prog)
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return 1
    return run(spec)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    return jobs_main(argv, "run.pl", __doc__, lambda spec: report_failures(spec, run_local(spec)))


if __name__ == "__main__":
    sys.exit(main())
