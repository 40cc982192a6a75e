"""queue.pl: run.pl's interface, with the jobs submitted to Grid Engine as one array job.

Usage: queue.pl [--max-jobs-run N] [--num-threads N] [--mem X] [--gpu N] JOB=1:N <log-file-with-JOB> <command ...>

``qsub -sync y -t 1:N [-tc max]`` submits the script written under ``<log-dir>/q/`` and
waits; each task writes run.pl's log (header, output, ``# Ended (code <rc>)``), from which
failures are counted. Option mapping: --num-threads N -> ``-pe smp N``, --mem X ->
``-l mem_free=X,ram_free=X``, --gpu N -> ``-l gpu=N``; other ``-opt value`` pairs go to qsub.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.bin.run_pl import JobSpec, jobs_main
from mtlhybrid.bin.slurm_pl import ClusterFlavor, job_dir, script_name, submit
from mtlhybrid.utils.cli import tool_main

GRID_ENGINE = ClusterFlavor("queue.pl", "SGE_TASK_ID", "qsub")


def qsub_command(spec: JobSpec, script: Path) -> List[str]:
    name = script_name(spec)
    cmd = ["qsub", "-sync", "y", "-cwd", "-j", "y", "-S", "/bin/bash", "-N", name,
           "-o", str(job_dir(spec) / f"{name}.$TASK_ID.out"), "-t", f"{spec.job_start}:{spec.job_end}"]
    if spec.max_jobs_run:
        cmd += ["-tc", str(spec.max_jobs_run)]
    if spec.num_threads > 1:
        cmd += ["-pe", "smp", str(spec.num_threads)]
    if spec.mem:
        cmd += ["-l", f"mem_free={spec.mem},ram_free={spec.mem}"]
    if spec.gpu > 0:
        cmd += ["-l", f"gpu={spec.gpu}"]
    cmd += [o for o in spec.ignored if o != "-V"]
    cmd.append(str(script))
    return cmd


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    return jobs_main(argv, "queue.pl", __doc__, lambda spec: submit(spec, GRID_ENGINE, qsub_command))


if __name__ == "__main__":
    sys.exit(main())
