"""Running a job spec's jobs on this machine (Kaldi's run.pl), and stopping them cleanly.

Each job is ``bash`` in its own process group, its output appended to its log. Two things
keep a killed run from leaving jobs behind (what Kaldi's run.pl does not do):

- run.pl forwards SIGTERM, SIGHUP and SIGINT to every running job's process group, waits
  for the jobs to end, writes ``# Stopped by run.pl ...`` and the usual footer into each
  log, and exits with ``128 + signal``. Linux also sends run.pl a SIGTERM when the script
  that started it dies (``prctl(PR_SET_PDEATHSIG)``), so ``kill -9`` of a step script
  stops that step's jobs instead of letting them write their outputs later. (Linux sends
  it when the *thread* that started run.pl ends: start run.pl from a main thread.)
- each job's bash asks for a SIGTERM when run.pl dies (even by ``kill -9``); its trap
  writes ``# Stopped: ...`` into the log and stops its whole process group (a job is
  often a pipeline, and a signal to bash alone would leave the pipeline running).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from mtlhybrid.jobs.logs import log_footer, log_header, previous_outcome
from mtlhybrid.jobs.spec import JobSpec
from mtlhybrid.utils.errors import DataError

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE_SECONDS = 10.0  # how long stopped jobs get to exit before SIGKILL

# The job's command runs in a background subshell so that bash can take a signal while it
# waits (a trap runs only between commands, and ``wait`` is interruptible).
_JOB_WRAPPER = """_mtlhybrid_stop() {{
  trap '' TERM HUP INT
  echo "# Stopped: the job received SIG$1 (its run.pl was stopped or died)"
  kill -TERM 0 2>/dev/null
  exit $((128 + $2))
}}
trap '_mtlhybrid_stop TERM 15' TERM
trap '_mtlhybrid_stop HUP 1' HUP
trap '_mtlhybrid_stop INT 2' INT
(
{command}
) &
wait $!
"""

_PR_SET_PDEATHSIG = 1
_libc = None


def _prctl():
    """libc's prctl, or None off Linux (loaded before fork: no dlopen in a forked child)."""
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        import ctypes

        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            return None
    return getattr(_libc, "prctl", None)


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Have Linux send ``sig`` to this process when its parent dies; False where unsupported."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def job_environment(num_threads: int) -> Dict[str, str]:
    """The environment of a job: ours, with the threads of torch/numpy capped.

    Kaldi's binaries are single-threaded, but torch and numpy start one thread per core,
    and N parallel jobs of such threads on N cores spend most of their time waiting for
    each other (measured: two GMM alignment jobs on 2 cores took 18 s each with torch's
    default threads and 8 s with one thread each). A value the caller exported wins.
    """
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, num_threads)))
    return env


class Stopped(Exception):
    """run.pl received a stop signal; its running jobs were stopped."""

    def __init__(self, signum: int, stopped: List[int]):
        self.signum = signum
        self.stopped = stopped
        super().__init__(f"stopped by {signal.Signals(signum).name}")


class _Running:
    def __init__(self, job: int, log: Path, command: str, num_threads: int = 1):
        self.job, self.log, self.command = job, log, command
        self.threads = max(1, num_threads)
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "w") as f:
                f.write(log_header(command))
            self.fh = open(log, "a")
        except OSError as e:
            raise DataError(f"cannot write the job's log: {e.strerror or e}", path=log) from None
        self.start = time.time()
        _prctl()  # load libc here, not in the child
        parent = os.getpid()

        def in_child() -> None:
            # Stop with run.pl, even when it is killed with -9; if it died before this
            # line ran, no signal will ever come, so do not start at all.
            set_parent_death_signal(signal.SIGTERM)
            if os.getppid() != parent:
                os._exit(143)

        # Own process group (start_new_session): a stop reaches the whole pipeline of the job.
        self.proc = subprocess.Popen(
            ["bash", "-c", _JOB_WRAPPER.format(command=command)],
            stdin=subprocess.DEVNULL,
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=in_child,
            env=job_environment(self.threads),
        )

    def signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def poll(self) -> bool:
        """True once the job has ended; reaps it with wait4 to keep its resource usage.

        The rusage of the job's shell includes every process it waited for (the job's
        pipeline), so its ``ru_maxrss`` is the largest resident set of any of them.
        """
        if self.proc.returncode is not None:
            return True
        try:
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere (Popen.wait in _stop_all)
            return self.proc.poll() is not None
        if pid == 0:
            return False
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.usage = ru
        return True

    def finish(self, note: str = "") -> int:
        rc = self.proc.returncode
        self.fh.close()
        ru = getattr(self, "usage", None)
        with open(self.log, "a") as f:
            if note:
                f.write(f"# {note}\n")
            f.write(log_footer(rc, int(round(time.time() - self.start)), self.threads,
                               ru.ru_utime + ru.ru_stime if ru else None, ru.ru_maxrss if ru else None))
        return 0 if rc == 0 else 1


def _stop_all(active: List[_Running], note: str, grace: float = GRACE_SECONDS) -> List[int]:
    """SIGTERM every job's group, wait up to ``grace`` seconds, SIGKILL what is left; log it."""
    for r in active:
        r.signal(signal.SIGTERM)
    deadline = time.time() + grace
    for r in active:
        try:
            r.proc.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            r.signal(signal.SIGKILL)
            r.proc.wait()
    for r in active:
        r.finish(note)
    return [r.job for r in active]


class _StopRequest:
    """Signal handlers that only note the signal: the run loop stops the jobs itself."""

    def __init__(self):
        self.signum: Optional[int] = None
        self._old: Dict[int, object] = {}

    def _handler(self, signum, frame) -> None:
        if self.signum is None:
            self.signum = signum

    def __enter__(self) -> "_StopRequest":
        for sig in STOP_SIGNALS:
            old = signal.getsignal(sig)
            if old == signal.SIG_IGN:  # nohup: the caller wants this signal ignored
                continue
            self._old[sig] = old
            signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)  # type: ignore[arg-type]


def run_local(spec: JobSpec, prog: str = "run.pl") -> Dict[int, int]:
    """Run every job, at most ``spec.max_jobs_run`` at once; returns job -> exit status (0/1).

    Raises :class:`Stopped` after a stop signal and ``DataError`` when a log cannot be
    written, in both cases once the running jobs have been stopped and their logs closed.
    """
    set_parent_death_signal(signal.SIGTERM)
    pending = list(spec.job_ids)
    limit = spec.max_jobs_run or len(pending)
    active: List[_Running] = []
    results: Dict[int, int] = {}
    with _StopRequest() as stop:
        try:
            while pending or active:
                while pending and len(active) < limit and stop.signum is None:
                    job = pending.pop(0)
                    log = Path(spec.for_job(spec.log_file, job))
                    prev = previous_outcome(log) if spec.pick != "all" else None
                    if prev == 0 or (prev is not None and spec.pick == "incomplete"):
                        results[job] = 0 if prev == 0 else 1  # kept from the earlier run
                        continue
                    active.append(_Running(job, log, spec.for_job(spec.command, job), spec.num_threads))
                if stop.signum is not None:
                    name = signal.Signals(stop.signum).name
                    raise Stopped(stop.signum, _stop_all(active, f"Stopped by {prog}: it received {name}"))
                still = []
                for r in active:
                    if not r.poll():
                        still.append(r)
                    else:
                        results[r.job] = r.finish()
                if len(still) == len(active) and active:
                    time.sleep(0.02)
                active = still
        except DataError:
            _stop_all(active, f"Stopped by {prog}: another job's log could not be written")
            raise
    return results
