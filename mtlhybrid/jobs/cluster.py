"""slurm.pl and queue.pl: run.pl's interface, the jobs submitted to a cluster as one array job.

A job script is written under ``<log-dir>/q/``; the submitter (``sbatch --wait`` or
``qsub -sync y``) returns when every task has ended. Each task writes the same log as
run.pl (``# <command>``, ``# Started at``, ..., ``# Ended (code <rc>)``), so failures are
read from the logs; missing logs count as failed. Slurm and Grid Engine differ only in
the task-id variable and the submission line (:class:`ClusterFlavor`).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from mtlhybrid.jobs.logs import outcomes_from_logs, report_failures
from mtlhybrid.jobs.spec import JobSpec


@dataclasses.dataclass
class ClusterFlavor:
    """What differs between Slurm and Grid Engine: the task-id variable and the submit line."""

    name: str  # slurm.pl / queue.pl
    task_var: str  # environment variable holding the array index
    submitter: str  # sbatch / qsub

    def to_dict(self) -> Dict[str, str]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, str]) -> "ClusterFlavor":
        return ClusterFlavor(**d)


SLURM = ClusterFlavor("slurm.pl", "SLURM_ARRAY_TASK_ID", "sbatch")
GRID_ENGINE = ClusterFlavor("queue.pl", "SGE_TASK_ID", "qsub")


def job_dir(spec: JobSpec) -> Path:
    """``<log-dir>/q``, where job scripts and the scheduler's own output go (as Kaldi's queue.pl)."""
    return Path(spec.log_file).parent / "q"


def script_name(spec: JobSpec) -> str:
    base = Path(spec.log_file).name
    if spec.job_var:
        base = base.replace(spec.job_var, "").replace("..", ".")
    return base[:-4] if base.endswith(".log") else base


def _with_task(text: str, spec: JobSpec, task_expr: str) -> str:
    """Shell-quote ``text`` with the job variable turned into ``task_expr`` (expanded at run time)."""
    if not spec.job_var:
        return shlex.quote(text)
    return task_expr.join(shlex.quote(p) for p in text.split(spec.job_var))


def job_script(spec: JobSpec, flavor: ClusterFlavor, cwd: Optional[str] = None) -> str:
    """The bash script every array task runs: header, command, footer, exit status."""
    cwd = cwd or os.getcwd()
    task = f'"${{{flavor.task_var}:-{spec.job_start}}}"'
    log = _with_task(spec.log_file, spec, task)
    header = _with_task("# " + spec.command, spec, task)
    # The command is pasted in as shell text: JOB becomes the task id, expanded by bash.
    command = spec.command.replace(spec.job_var, f"${{{flavor.task_var}}}") if spec.job_var else spec.command
    return f"""#!/usr/bin/env bash
# Written by {flavor.name}; one task of the job array runs this script.
cd {shlex.quote(cwd)}
[ -f ./path.sh ] && . ./path.sh
export {flavor.task_var}=${{{flavor.task_var}:-{spec.job_start}}}
export OMP_NUM_THREADS=${{OMP_NUM_THREADS:-{max(1, spec.num_threads)}}}  # as run.pl: torch's threads = the slots asked for
log={log}
mkdir -p "$(dirname "$log")"
{{ echo {header}; echo "# Started at $(date)"; echo "#"; }} > "$log"
start=$(date +%s)
( {command} ) >> "$log" 2>&1
ret=$?
end=$(date +%s)
echo "# Accounting: time=$((end - start)) threads={spec.num_threads}" >> "$log"
echo "# Ended (code $ret) at $(date), elapsed time $((end - start)) seconds" >> "$log"
exit $ret
"""


def sbatch_command(spec: JobSpec, script: Path) -> List[str]:
    """The sbatch line for ``script`` as an array over the job range."""
    array = f"{spec.job_start}-{spec.job_end}"
    if spec.max_jobs_run:
        array += f"%{spec.max_jobs_run}"
    qdir = job_dir(spec)
    name = script_name(spec)
    cmd = [
        "sbatch",
        "--parsable",
        "--wait",
        f"--array={array}",
        f"--job-name={name}",
        f"--output={qdir / (name + '-%a.out')}",
        f"--cpus-per-task={spec.num_threads}",
    ]
    if spec.mem:
        cmd.append(f"--mem-per-cpu={spec.mem}")
    if spec.gpu > 0:
        cmd.append(f"--gres=gpu:{spec.gpu}")
    extra = list(spec.ignored)
    while extra:
        opt = extra.pop(0)
        if opt == "-V":
            continue
        val = extra.pop(0) if extra else ""
        cmd.append(f"{opt}={val}" if opt.startswith("--") else opt)
        if not opt.startswith("--"):
            cmd.append(val)
    cmd.append(str(script))
    return cmd


def write_job_script(spec: JobSpec, flavor: ClusterFlavor) -> Path:
    from mtlhybrid.utils.io import atomic_write

    qdir = job_dir(spec)
    qdir.mkdir(parents=True, exist_ok=True)
    path = qdir / f"{script_name(spec)}.sh"
    with atomic_write(path) as f:
        f.write(job_script(spec, flavor))
    os.chmod(path, 0o755)
    return path


def submit(spec: JobSpec, flavor: ClusterFlavor, build_command) -> int:
    exe = shutil.which(flavor.submitter)
    if exe is None:
        print(f"{flavor.name}: {flavor.submitter} not found: this machine cannot submit jobs (use run.pl)", file=sys.stderr)
        return 1
    script = write_job_script(spec, flavor)
    cmd = build_command(spec, script)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and not any(Path(spec.for_job(spec.log_file, j)).exists() for j in spec.job_ids):
        print(f"{flavor.name}: submission failed: {' '.join(cmd)}\n{res.stderr.strip()}", file=sys.stderr)
        return 1
    return report_failures(spec, outcomes_from_logs(spec), prog=flavor.name)


def qsub_command(spec: JobSpec, script: Path) -> List[str]:
    """The qsub line for ``script`` as an array over the job range (Grid Engine)."""
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
