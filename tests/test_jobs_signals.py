"""utils/run.pl stops its jobs when it is stopped or its script dies, with real signals.

Each test's jobs sleep for a duration no other process uses, so the jobs can be found in
/proc (and shown gone) even while other test runs share the machine.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")

def _default_signals():
    """Ctrl-C and hang-up as a terminal delivers them: a suite started in the background (``nohup``,
    ``&``) passes SIGINT/SIGHUP on as ignored, and a child that inherits that never sees them."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)



def unique_duration(whole: int) -> str:
    return f"{whole}.{random.randrange(10**6):06d}"


def sleepers(duration: str) -> list:
    """pids of ``sleep <duration>`` processes."""
    want = b"sleep\0" + duration.encode() + b"\0"
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "cmdline").read_bytes() == want:
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def wait_for(cond, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_to_run_pl_stops_its_sleep_jobs(tmp_path, repo_root, script_env):
    dur = unique_duration(40)
    p = subprocess.Popen([str(repo_root / "utils/run.pl"), "JOB=1:2", "log/s.JOB.log", "sleep", dur],
                         cwd=tmp_path, env=script_env, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: len(sleepers(dur)) == 2)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + signal.SIGTERM
    assert sleepers(dur) == []
    assert "run.pl: ERROR: stopped by SIGTERM" in err
    assert "Traceback" not in err
    for n in (1, 2):
        log = (tmp_path / f"log/s.{n}.log").read_text()
        assert "# Stopped by run.pl: it received SIGTERM" in log
        assert log.splitlines()[-1].startswith("# Ended (code ")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT], ids=["SIGHUP", "SIGINT"])
def test_sighup_and_ctrl_c_stop_run_pl_without_a_traceback(tmp_path, repo_root, script_env, sig):
    dur = unique_duration(40)
    p = subprocess.Popen([str(repo_root / "utils/run.pl"), "JOB=1:2", "log/s.JOB.log", "sleep", dur],
                         cwd=tmp_path, env=script_env, stderr=subprocess.PIPE, text=True, preexec_fn=_default_signals)
    try:
        assert wait_for(lambda: len(sleepers(dur)) == 2)
        p.send_signal(sig)
        _, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + sig
    assert sleepers(dur) == []
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert err.strip().splitlines() == [f"run.pl: ERROR: stopped by {signal.Signals(sig).name}: 2 running job(s) stopped, logs in log/s.*.log"]


def test_kill_9_of_the_script_leaves_no_job_running_and_no_output(tmp_path, repo_root, script_env):
    dur = unique_duration(3)
    script = tmp_path / "step.sh"
    script.write_text(f"#!/usr/bin/env bash\nrun.pl JOB=1:2 log/s.JOB.log sleep {dur} '&&' touch out.JOB\ntouch step_done\n")
    script.chmod(0o755)
    p = subprocess.Popen([str(script)], cwd=tmp_path, env=script_env, start_new_session=True)
    try:
        assert wait_for(lambda: len(sleepers(dur)) == 2)
        started = time.time()
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        assert wait_for(lambda: sleepers(dur) == [], timeout=10)
        time.sleep(max(0.0, float(dur) + 1.0 - (time.time() - started)))  # past the jobs' natural end
    finally:
        os.killpg(p.pid, signal.SIGKILL) if p.poll() is None else None
    assert sorted(x.name for x in tmp_path.glob("out.*")) == []
    assert not (tmp_path / "step_done").exists()
    assert wait_for(lambda: all("# Ended (code " in (tmp_path / f"log/s.{n}.log").read_text() for n in (1, 2)), timeout=10)
    for n in (1, 2):
        assert "# Stopped" in (tmp_path / f"log/s.{n}.log").read_text()


def test_kill_9_of_run_pl_stops_its_jobs_and_their_logs_say_so(tmp_path, repo_root, script_env):
    dur = unique_duration(3)
    p = subprocess.Popen([str(repo_root / "utils/run.pl"), "JOB=1:2", "log/s.JOB.log", "sleep", dur, "&&", "touch", "out.JOB"],
                         cwd=tmp_path, env=script_env)
    try:
        assert wait_for(lambda: len(sleepers(dur)) == 2)
        started = time.time()
        p.kill()
        p.wait(timeout=10)
        assert wait_for(lambda: sleepers(dur) == [], timeout=10)
        time.sleep(max(0.0, float(dur) + 1.0 - (time.time() - started)))
    finally:
        if p.poll() is None:
            p.kill()
    assert list(tmp_path.glob("out.*")) == []
    for n in (1, 2):
        assert "# Stopped: the job received SIGTERM" in (tmp_path / f"log/s.{n}.log").read_text()


@pytest.mark.parametrize("blocker", ["file", "no_permission"])
def test_unwritable_log_dir_is_one_error_line(tmp_path, repo_root, script_env, blocker):
    if blocker == "file":
        (tmp_path / "exp").write_text("a file where the log dir should be\n")
        logdir = "exp/log"
    else:
        if os.geteuid() == 0:
            pytest.skip("root ignores directory permissions")
        (tmp_path / "ro").mkdir(mode=0o500)
        logdir = "ro/log"
    r = subprocess.run([str(repo_root / "utils/run.pl"), "JOB=1:2", f"{logdir}/x.JOB.log", "touch", "out.JOB"],
                       cwd=tmp_path, env=script_env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"run.pl: ERROR: {logdir}/x.1.log: cannot write the job's log")
    assert list(tmp_path.glob("out.*")) == []
