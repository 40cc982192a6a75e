"""slurm.pl / queue.pl: the submission line and the per-task job script, run without a cluster."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from mtlhybrid.jobs.cluster import GRID_ENGINE, SLURM, qsub_command, sbatch_command, write_job_script
from mtlhybrid.jobs.logs import outcomes_from_logs
from mtlhybrid.jobs.spec import parse_args


def test_sbatch_command_line(tmp_path):
    spec = parse_args(
        ["--max-jobs-run", "3", "--num-threads", "4", "--mem", "2G", "--gpu", "1", "--partition", "gpu",
         "JOB=1:8", str(tmp_path / "exp/log/train.JOB.log"), "python3", "-m", "x", "--job", "JOB"],
        prog="slurm.pl",
    )
    script = write_job_script(spec, SLURM)
    assert script == tmp_path / "exp/log/q/train.sh"
    assert os.access(script, os.X_OK)
    cmd = sbatch_command(spec, script)
    assert cmd[:3] == ["sbatch", "--parsable", "--wait"]
    for opt in ["--array=1-8%3", "--cpus-per-task=4", "--mem-per-cpu=2G", "--gres=gpu:1", "--partition=gpu", "--job-name=train"]:
        assert opt in cmd
    assert cmd[-1] == str(script)
    q = qsub_command(spec, script)
    assert q[:3] == ["qsub", "-sync", "y"]
    assert ["-t", "1:8"] == q[q.index("-t"):q.index("-t") + 2]
    assert ["-tc", "3"] == q[q.index("-tc"):q.index("-tc") + 2]
    assert "mem_free=2G,ram_free=2G" in q


@pytest.mark.parametrize("flavor", [SLURM, GRID_ENGINE])
def test_job_script_runs_one_task_like_run_pl(tmp_path, flavor):
    log = tmp_path / "exp/log/t.JOB.log"
    spec = parse_args(["--num-threads", "2", "JOB=1:3", str(log), "echo", "task JOB", "|", "tr", "a-z", "A-Z", "&&",
                       "echo", "omp=$OMP_NUM_THREADS", "&&", "test", "JOB", "-ne", "3"], prog=flavor.name)
    script = write_job_script(spec, flavor)
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    for task in (2, 3):
        env[flavor.task_var] = str(task)
        rc = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True).returncode
        assert rc == (0 if task == 2 else 1)
    lines = (tmp_path / "exp/log/t.2.log").read_text().splitlines()
    assert lines[0] == '# echo "task 2" | tr a-z A-Z && echo omp=$OMP_NUM_THREADS && test 2 -ne 3'
    assert lines[1].startswith("# Started at")
    assert "TASK 2" in lines
    assert "omp=2" in lines
    assert lines[-2].startswith("# Accounting: time=")
    assert lines[-1].startswith("# Ended (code 0) at")
    assert "# Ended (code 1)" in (tmp_path / "exp/log/t.3.log").read_text()
    # job 1 never ran: missing logs count as failed
    assert outcomes_from_logs(spec) == {1: 1, 2: 0, 3: 1}


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="sbatch is installed: the no-cluster message is not shown")
def test_slurm_pl_without_sbatch_says_so(tmp_path, repo_root, script_env):
    r = subprocess.run([str(repo_root / "utils/slurm.pl"), "JOB=1:2", "log/x.JOB.log", "true"], cwd=tmp_path, env=script_env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "sbatch not found" in r.stderr


# slurm.pl on a real cluster (one node, started by the test): tests/test_jobs_slurm_cluster.py
