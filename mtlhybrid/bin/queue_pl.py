"""queue.pl: run.pl's interface, with the jobs submitted to Grid Engine as one array job.

Usage: queue.pl [--max-jobs-run N] [--num-threads N] [--mem X] [--gpu N] JOB=1:N <log-file-with-JOB> <command ...>

``qsub -sync y -t 1:N [-tc max]`` submits the script written under ``<log-dir>/q/`` and
waits; each task writes run.pl's log (header, output, ``# Ended (code <rc>)``), from which
failures are counted. Option mapping: --num-threads N -> ``-pe smp N``, --mem X ->
``-l mem_free=X,ram_free=X``, --gpu N -> ``-l gpu=N``; other ``-opt value`` pairs go to qsub.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.jobs.cli import jobs_main
from mtlhybrid.jobs.cluster import GRID_ENGINE, qsub_command, submit
from mtlhybrid.utils.cli import tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    return jobs_main(argv, "queue.pl", __doc__, lambda spec: submit(spec, GRID_ENGINE, qsub_command))


if __name__ == "__main__":
    sys.exit(main())
