"""run.pl: run a command as N parallel jobs on this machine, one log per job (Kaldi's run.pl).

Usage: run.pl [--max-jobs-run N] [--num-threads N] [--mem X] [--gpu N] JOB=1:N <log-file-with-JOB> <command ...>
       run.pl <log-file> <command ...>

The command is run with bash (so quoted pipes ``\\|`` in a step script become pipes here);
the job variable (``JOB``) is replaced by the job number in the log name and the command.
Each log starts with ``# <command>`` and ``# Started at <date>`` and ends with
``# Accounting: time=<s> threads=1 cpu=<s> max_rss_kb=<kB>`` (the job's CPU time and peak
resident memory, for ``mtlhybrid stage-report``) and ``# Ended (code <rc>) at <date>``. At most
--max-jobs-run jobs run at once (default: all of them). If any job fails, run.pl exits 1
and names the failed logs. --mem and unknown ``--opt value`` pairs are accepted and
ignored, as Kaldi's run.pl does, so one $cmd works with run.pl, queue.pl and slurm.pl.

--num-threads N (default 1) becomes ``OMP_NUM_THREADS=N`` in each job's environment unless
the caller set OMP_NUM_THREADS (see mtlhybrid.jobs.local.job_environment for why).

SIGTERM, SIGHUP or SIGINT to run.pl (or the death of the script that started it, even by
``kill -9``) stops the running jobs: each log records ``# Stopped ...`` and run.pl exits
with 128 + the signal's number. A job whose run.pl died stops too.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.jobs.cli import jobs_main, run_pl
from mtlhybrid.utils.cli import tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    return jobs_main(argv, "run.pl", __doc__, run_pl)


if __name__ == "__main__":
    sys.exit(main())
