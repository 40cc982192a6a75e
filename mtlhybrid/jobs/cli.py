"""The command line run.pl, slurm.pl and queue.pl share: ``--help``, usage errors, then the run."""

from __future__ import annotations

import signal
import sys
from typing import Callable, List, Optional

from mtlhybrid.jobs.local import Stopped, run_local
from mtlhybrid.jobs.logs import report_failures
from mtlhybrid.jobs.spec import JobSpec, UsageError, parse_args
from mtlhybrid.utils.errors import MtlHybridError


def jobs_main(argv: Optional[List[str]], prog: str, doc: str, run: Callable[[JobSpec], int]) -> int:
    """Parse the arguments and ``run(spec)``; errors are one ``<prog>: ERROR:`` line.

    Only how the jobs are run differs between the three runners, so the front end is
    written once. A stop signal gives exit status ``128 + signal``, as a shell reports it.
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
    try:
        return run(spec)
    except Stopped as e:
        name = signal.Signals(e.signum).name
        print(f"{prog}: ERROR: stopped by {name}: {len(e.stopped)} running job(s) stopped, "
              f"logs in {spec.failed_logs_pattern()}", file=sys.stderr)
        return 128 + e.signum
    except MtlHybridError as e:
        print(f"{prog}: ERROR: {e}", file=sys.stderr)
        return 1


def run_pl(spec: JobSpec) -> int:
    return report_failures(spec, run_local(spec), prog="run.pl")
