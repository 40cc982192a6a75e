"""slurm.pl: run.pl's interface, with the jobs submitted to Slurm as one job array.

Usage: slurm.pl [--max-jobs-run N] [--num-threads N] [--mem X] [--gpu N] JOB=1:N <log-file-with-JOB> <command ...>

A job script is written under ``<log-dir>/q/``; ``sbatch --wait --array=1-N[%max]``
submits it and returns when every task has ended. Each task writes the same log as
run.pl (``# <command>``, ``# Started at``, ..., ``# Ended (code <rc>)``), so failures are
read from the logs; missing logs count as failed. Option mapping: --num-threads N ->
``--cpus-per-task=N``, --mem X -> ``--mem-per-cpu=X``, --gpu N -> ``--gres=gpu:N``,
--max-jobs-run N -> ``%N`` on the array; other ``--opt value`` pairs are passed to
sbatch as ``--opt=value`` (e.g. ``--partition gpu``).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.jobs.cli import jobs_main
from mtlhybrid.jobs.cluster import SLURM, sbatch_command, submit
from mtlhybrid.utils.cli import tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    return jobs_main(argv, "slurm.pl", __doc__, lambda spec: submit(spec, SLURM, sbatch_command))


if __name__ == "__main__":
    sys.exit(main())
