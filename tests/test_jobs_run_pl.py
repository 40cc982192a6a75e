"""utils/run.pl, utils/split_scp.pl and utils/parse_options.sh with Kaldi's semantics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest


def sh(args, cwd, env, **kw):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, **kw)


def test_run_pl_jobs_logs_and_substitution(tmp_path, repo_root, script_env):
    r = sh([str(repo_root / "utils/run.pl"), "JOB=1:3", "exp/log/x.JOB.log", "echo", "job JOB of", "3", "|", "tr", "a-z", "A-Z"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    for n in (1, 2, 3):
        lines = (tmp_path / f"exp/log/x.{n}.log").read_text().splitlines()
        assert lines[0] == f'# echo "job {n} of" 3 | tr a-z A-Z'
        assert lines[1].startswith("# Started at ")
        assert f"JOB {n} OF 3" in lines
        assert lines[-2].startswith("# Accounting: time=")
        assert re.fullmatch(r"# Accounting: time=\d+ threads=1 cpu=[\d.]+ max_rss_kb=\d+", lines[-2]), lines[-2]
        assert lines[-1].startswith("# Ended (code 0) at ")
    # single-job form
    r = sh([str(repo_root / "utils/run.pl"), "exp/log/one.log", "echo", "hello"], tmp_path, script_env)
    assert r.returncode == 0
    assert "hello" in (tmp_path / "exp/log/one.log").read_text()


def test_run_pl_failures_named(tmp_path, repo_root, script_env):
    r = sh([str(repo_root / "utils/run.pl"), "JOB=1:4", "exp/log/f.JOB.log", "test", "JOB", "-le", "2"], tmp_path, script_env)
    assert r.returncode == 1
    assert "run.pl: 2 / 4 failed, log is in exp/log/f.*.log" in r.stderr
    assert (tmp_path / "exp/log/f.3.log").read_text().splitlines()[-1].startswith("# Ended (code 1)")
    assert "# Ended (code 0)" in (tmp_path / "exp/log/f.2.log").read_text()
    r = sh([str(repo_root / "utils/run.pl"), "exp/log/g.log", "exit", "3"], tmp_path, script_env)
    assert r.returncode == 1
    assert "run.pl: job failed, log is in exp/log/g.log" in r.stderr
    assert "# Ended (code 3)" in (tmp_path / "exp/log/g.log").read_text()
    # a parallel job needs JOB in its log name; too few arguments print the usage
    r = sh([str(repo_root / "utils/run.pl"), "JOB=1:2", "exp/log/same.log", "true"], tmp_path, script_env)
    assert r.returncode == 1
    assert "just one log file" in r.stderr
    r = sh([str(repo_root / "utils/run.pl"), "exp/log/x.log"], tmp_path, script_env)
    assert r.returncode == 1
    assert "usage: run.pl" in r.stderr


def _max_concurrency(tmp_path, repo_root, script_env, extra):
    # Each job notes how many jobs are running when it starts, then lingers a little.
    # (one word per argument: an argument with spaces is quoted as one word, as in Kaldi)
    cmd = "mkdir -p run && touch run/JOB && ls run | wc -l > count.JOB && sleep 0.4 && rm run/JOB".split()
    r = sh([str(repo_root / "utils/run.pl"), *extra, "JOB=1:4", "log/c.JOB.log", *cmd], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    return max(int((tmp_path / f"count.{n}").read_text()) for n in range(1, 5))


@pytest.mark.parametrize("extra,bound", [(["--max-jobs-run", "2"], 2), (["--max-jobs-run", "1", "--mem", "2G", "--num-threads", "1"], 1)])
def test_run_pl_max_jobs_run(tmp_path, repo_root, script_env, extra, bound):
    assert _max_concurrency(tmp_path, repo_root, script_env, extra) <= bound


def test_run_pl_default_runs_all_at_once(tmp_path, repo_root, script_env):
    assert _max_concurrency(tmp_path, repo_root, script_env, []) >= 3


def test_split_scp(tmp_path, repo_root, script_env):
    lines = [f"spk{s}_u{i} x\n" for s in range(3) for i in range(s + 2)]  # 2, 3, 4 utterances
    (tmp_path / "in.scp").write_text("".join(lines))
    r = sh([str(repo_root / "utils/split_scp.pl"), "in.scp", "o1", "o2", "o3", "o4"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    parts = [(tmp_path / f"o{i}").read_text().splitlines(keepends=True) for i in range(1, 5)]
    assert [len(p) for p in parts] == [3, 2, 2, 2]
    assert sum(parts, []) == lines
    (tmp_path / "utt2spk").write_text("".join(f"{ln.split()[0]} {ln.split('_')[0]}\n" for ln in lines))
    r = sh([str(repo_root / "utils/split_scp.pl"), "--utt2spk=utt2spk", "in.scp", "p1", "p2"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    p1, p2 = ((tmp_path / f"p{i}").read_text().splitlines(keepends=True) for i in (1, 2))
    assert p1 == lines[:5]
    assert p2 == lines[5:]  # speakers kept whole: 5 + 4
    r = sh([str(repo_root / "utils/split_scp.pl"), "-j", "4", "2", "in.scp"], tmp_path, script_env)
    assert r.returncode == 0
    assert r.stdout == "".join(parts[2])
    r = sh([str(repo_root / "utils/split_scp.pl"), "--utt2spk=utt2spk", "in.scp", "a", "b", "c", "d"], tmp_path, script_env)
    assert r.returncode == 1
    assert "3 speakers is fewer than the 4" in r.stderr
    r = sh([str(repo_root / "utils/split_scp.pl"), "in.scp", *[f"z{i}" for i in range(10)]], tmp_path, script_env)
    assert r.returncode == 1
    assert "at most 9" in r.stderr


SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
nj=4
cmd=run.pl
use_gpu=false
frame_shift=0.01
help_message="Usage: $0 [options] <data>\\n  --nj <n>   # number of jobs"
. {po}
echo "nj=$nj cmd=$cmd use_gpu=$use_gpu frame_shift=$frame_shift args=$*"
"""


@pytest.fixture
def po_script(tmp_path, repo_root):
    p = tmp_path / "script.sh"
    p.write_text(SCRIPT.format(po=repo_root / "utils/parse_options.sh"))
    p.chmod(0o755)
    return p


def test_parse_options(tmp_path, po_script, script_env):
    r = sh([str(po_script), "--nj", "8", "--use-gpu=true", "--cmd", "run.pl --mem 4G", "--frame-shift=0.02", "a", "--b"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "nj=8 cmd=run.pl --mem 4G use_gpu=true frame_shift=0.02 args=a --b"
    r = sh([str(po_script), "--num-jobs", "3", "x"], tmp_path, script_env)
    assert r.returncode == 1
    assert "invalid option --num-jobs" in r.stderr
    r = sh([str(po_script), "--use-gpu", "yes", "x"], tmp_path, script_env)
    assert r.returncode == 1
    assert 'expected "true" or "false"' in r.stderr
    r = sh([str(po_script), "--help"], tmp_path, script_env)
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: ")
    assert "--nj <n>" in r.stdout.splitlines()[1]
    (tmp_path / "my.conf").write_text("nj=7\nuse_gpu=true\n")
    r = sh([str(po_script), "--config", "my.conf", "--nj", "2", "x"], tmp_path, script_env)
    assert r.stdout.strip() == "nj=2 cmd=run.pl use_gpu=true frame_shift=0.01 args=x"
    r = sh([str(po_script), "--config", "missing.conf", "x"], tmp_path, script_env)
    assert r.returncode == 1
    assert "missing config" in r.stderr
    r = sh([str(po_script), "--cmd", "", "x"], tmp_path, script_env)
    assert r.returncode == 1
    assert "empty argument to --cmd" in r.stderr


def test_run_pl_caps_threads_per_job(tmp_path, repo_root, script_env):
    # Jobs get OMP_NUM_THREADS = --num-threads (default 1), so N torch jobs on N cores do
    # not oversubscribe them; a value the caller exported wins.
    env = {k: v for k, v in script_env.items() if k != "OMP_NUM_THREADS"}
    run_pl = str(repo_root / "utils/run.pl")
    assert sh([run_pl, "JOB=1:2", "log/d.JOB.log", "echo", "omp=$OMP_NUM_THREADS"], tmp_path, env).returncode == 0
    assert sh([run_pl, "--num-threads", "3", "log/t.log", "echo", "omp=$OMP_NUM_THREADS"], tmp_path, env).returncode == 0
    assert sh([run_pl, "log/u.log", "echo", "omp=$OMP_NUM_THREADS"], tmp_path, {**env, "OMP_NUM_THREADS": "5"}).returncode == 0
    assert "omp=1" in (tmp_path / "log/d.2.log").read_text().splitlines()
    three = (tmp_path / "log/t.log").read_text().splitlines()
    assert "omp=3" in three
    assert " threads=3 cpu=" in three[-2]
    assert "omp=5" in (tmp_path / "log/u.log").read_text().splitlines()


def test_run_pl_records_peak_memory_and_stage_report_sums_it(tmp_path, repo_root, script_env):
    # Each job's peak resident memory (its whole pipeline) goes into its accounting line;
    # stage_report assigns jobs to the recipe's stages by their start and names the peak.
    (tmp_path / "mem.py").write_text("import sys, numpy as np\na = np.ones(int(sys.argv[1]) * 10_000_000)\nprint(a.sum())\n")
    t0 = time.time()
    r = sh([str(repo_root / "utils/run.pl"), "JOB=1:2", "exp/mono/log/m.JOB.log", sys.executable, "mem.py", "JOB", "|", "cat"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    acc = {}
    for n in (1, 2):
        line = [l for l in (tmp_path / f"exp/mono/log/m.{n}.log").read_text().splitlines() if l.startswith("# Accounting")][0]
        m = re.search(r"cpu=([\d.]+) max_rss_kb=(\d+)", line)
        acc[n] = float(m.group(1)), int(m.group(2))
    # 80 MB more of float64 ones in job 2 (and the python process is the pipeline's largest)
    assert acc[2][1] - acc[1][1] > 60_000
    assert acc[1][1] > 80_000 and acc[1][0] > 0
    t1 = time.time() + 2
    stamp = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))  # noqa: E731
    (tmp_path / "exp/stage_times.txt").write_text(
        f"{stamp(t0 - 30)} stage 0 30 s\n{stamp(t1)} stage 3 {int(t1 - t0) + 2} s\n")
    (tmp_path / "exp/make_mfcc/train").mkdir(parents=True)
    (tmp_path / "exp/make_mfcc/train/make_mfcc_train.1.log").write_text(
        f"# old job\n# Started at {time.strftime('%a %b %d %H:%M:%S %Z %Y', time.localtime(t0 - 45))}\n#\n"
        "# Accounting: time=3 threads=1\n# Ended (code 0) at x, elapsed time 3 seconds\n")
    r = sh([sys.executable, "-m", "mtlhybrid.bin.stage_report", "exp", "--json", "report.json"], tmp_path, script_env)
    assert r.returncode == 0, r.stderr
    rep = {s["stage"]: s for s in json.loads((tmp_path / "report.json").read_text())}
    assert rep["0"]["jobs"] == 1 and rep["0"]["peak_rss_kb"] is None  # a log without memory figures
    assert rep["3"]["jobs"] == 2
    assert rep["3"]["peak_rss_kb"] == acc[2][1]
    assert rep["3"]["peak_log"].endswith("exp/mono/log/m.2.log")
    assert rep["3"]["job_cpu_seconds"] == pytest.approx(acc[1][0] + acc[2][0], abs=0.011)
    assert "| 3 " in r.stdout and f"{acc[2][1] / 1024:.0f}" in r.stdout
