"""slurm.pl on a real Slurm cluster: one node on this machine, configured, started and stopped here.

The fixture writes a private slurm.conf (its own ports, state and spool dirs, a munge
daemon on its own socket and key), starts munged, slurmctld and slurmd as root, and shuts
them down afterwards; ``SLURM_CONF`` points sbatch at it, so nothing under /etc is used
or changed. Where Debian's slurm-wlm and munge are missing they are installed with
apt-get, but only when ``MTLHYBRID_INSTALL_SLURM=1`` (CI sets it: installing system
packages is not something a test run on a workstation should do unasked). The tests skip,
with the reason, when the cluster cannot start: not root (slurmd must be root to start
jobs), packages missing, or a daemon that does not come up.

Then ``utils/slurm.pl JOB=1:N log cmd`` runs through it, and the FSDD recipe's feature and
monophone stages run with ``cmd.sh`` switched from run.pl to slurm.pl, the only edit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _install_if_asked() -> str:
    """'' when the daemons are there (after installing them if asked), else why not."""
    missing = [d for d in DAEMONS if shutil.which(d) is None and not Path("/usr/sbin", d).exists()]
    if not missing:
        return ""
    if os.environ.get("MTLHYBRID_INSTALL_SLURM") != "1" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return (f"Slurm not installed (missing {' '.join(missing)}); as root, MTLHYBRID_INSTALL_SLURM=1 "
                "installs Debian's slurm-wlm and munge with apt-get")
    start = time.time()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"]):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            return f"{' '.join(cmd)} failed: {r.stderr.strip()[-500:]}"
    print(f"installed slurm-wlm and munge in {time.time() - start:.0f} s")
    return ""


def _exe(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


class Cluster:
    """A one-node Slurm cluster whose files all live under ``root``."""

    def __init__(self, root: Path):
        self.root = root
        self.host = socket.gethostname().split(".")[0]
        self.conf = root / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        self.munge_socket = root / "munge" / "munge.socket"

    def configure(self) -> None:
        r = self.root
        for d in ("munge", "state", "spool", "log"):
            (r / d).mkdir(parents=True, exist_ok=True)
        os.chmod(r / "munge", 0o700)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        plugindir = next((str(p) for p in (Path("/usr/lib/x86_64-linux-gnu/slurm-wlm"), Path("/usr/lib/slurm-wlm"),
                                           Path("/usr/lib64/slurm")) if p.is_dir()), "")
        cpus = os.cpu_count() or 1
        lines = [
            "ClusterName=mtlhybridtest",
            f"SlurmctldHost={self.host}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={r / 'state'}",
            f"SlurmdSpoolDir={r / 'spool'}",
            f"SlurmctldPidFile={r / 'slurmctld.pid'}",
            f"SlurmdPidFile={r / 'slurmd.pid'}",
            f"SlurmctldLogFile={r / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={r / 'log' / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "MinJobAge=5",
            f"NodeName={self.host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4",
        ]
        if plugindir:
            lines.append(f"PluginDir={plugindir}")
        self.conf.write_text("\n".join(lines) + "\n")

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run(list(cmd), env=self.env, capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()[-800:]}")
        return res

    def start(self) -> None:
        r = self.root
        self._run(_exe("munged"), "--force", f"--socket={self.munge_socket}", f"--key-file={r / 'munge' / 'munge.key'}",
                  f"--pid-file={r / 'munge' / 'munged.pid'}", f"--log-file={r / 'log' / 'munged.log'}",
                  f"--seed-file={r / 'munge' / 'munged.seed'}")
        self._run(_exe("slurmctld"), "-f", str(self.conf), "-c", "-i")
        self._run(_exe("slurmd"), "-f", str(self.conf), "-N", self.host)
        deadline = time.time() + 60
        state = ""
        while time.time() < deadline:
            state = self._run("sinfo", "-h", "-N", "-o", "%T", check=False).stdout.strip()
            if state.startswith("idle") or state.startswith("mixed"):
                return
            time.sleep(1)
        raise RuntimeError(f"node did not become idle within 60 s (state {state!r}); logs in {r / 'log'}")

    def stop(self) -> None:
        self._run("scontrol", "shutdown", check=False)
        for pidfile in (self.root / "slurmd.pid", self.root / "slurmctld.pid", self.root / "munge" / "munged.pid"):
            deadline = time.time() + 20
            while pidfile.exists() and time.time() < deadline:
                try:
                    pid = int(pidfile.read_text().strip())
                    os.kill(pid, 0)
                except (ValueError, ProcessLookupError, FileNotFoundError):
                    break
                if pidfile.parent.name == "munge" or time.time() > deadline - 10:
                    os.kill(pid, 15)
                time.sleep(0.5)


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("a one-node Slurm cluster needs root (slurmd starts jobs as their user)")
    why = _install_if_asked()
    if why:
        pytest.skip(why)
    cluster = Cluster(tmp_path_factory.mktemp("slurm"))
    cluster.configure()
    try:
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        logs = "".join(f"\n--- {p.name}:\n" + p.read_text()[-1500:] for p in sorted((cluster.root / "log").glob("*.log")))
        cluster.stop()
        pytest.skip(f"the Slurm cluster could not start: {e}{logs}")
    yield cluster
    cluster.stop()


def test_slurm_pl_runs_a_job_array_and_reports_failures(slurm_cluster, tmp_path):
    env = dict(slurm_cluster.env, PYTHONPATH=str(REPO))
    r = subprocess.run([str(REPO / "utils/slurm.pl"), "JOB=1:3", "log/x.JOB.log", "echo", "task", "JOB", "on", "$(hostname)"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for j in (1, 2, 3):
        log = (tmp_path / f"log/x.{j}.log").read_text()
        assert f"task {j} on " in log
        assert "# Ended (code 0)" in log
    # the tasks ran under Slurm (its array variables were set), not locally
    r = subprocess.run([str(REPO / "utils/slurm.pl"), "JOB=1:2", "log/y.JOB.log", "echo", "array=$SLURM_ARRAY_JOB_ID", "&&",
                        "test", "JOB", "-ne", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "1 / 2 failed" in r.stderr or "log/y.2.log" in r.stderr, r.stderr
    assert "# Ended (code 0)" in (tmp_path / "log/y.1.log").read_text()
    assert "array=" in (tmp_path / "log/y.1.log").read_text()
    assert "array=\n" not in (tmp_path / "log/y.1.log").read_text()
    assert "# Ended (code 1)" in (tmp_path / "log/y.2.log").read_text()


def _recipe_copy(root: Path) -> Path:
    """egs/fsdd/s5 in a repository-shaped tree under ``root`` (code linked, recipe files copied)."""
    for name in ("mtlhybrid", "steps", "utils", "local", ".venv"):
        if (REPO / name).exists():
            (root / name).symlink_to(REPO / name)
    s5 = root / "egs" / "fsdd" / "s5"
    s5.mkdir(parents=True)
    for name in ("run.sh", "path.sh", "cmd.sh"):
        shutil.copy(REPO / "egs/fsdd/s5" / name, s5 / name)
    for name in ("conf", "local", "steps", "utils"):
        (s5 / name).symlink_to(REPO / "egs/fsdd/s5" / name)
    return s5


def test_recipe_switches_to_slurm_by_editing_cmd_sh(slurm_cluster, fsdd_dir, tmp_path):
    s5 = _recipe_copy(tmp_path)
    cmd_sh = s5 / "cmd.sh"
    text = cmd_sh.read_text()
    assert 'export train_cmd="utils/run.pl"' in text
    cmd_sh.write_text(text.replace('"utils/run.pl"', '"utils/slurm.pl"'))
    # The least that shows every kind of stage-3 job going through Slurm: each job is an
    # sbatch round trip of several seconds, so the monophone system gets 2 iterations
    # (initial alignment, accumulation and update, then a realignment, pass 1 and an update).
    r = subprocess.run(
        ["./run.sh", "--corpus-dir", str(fsdd_dir), "--stage", "0", "--stop-stage", "3", "--max-takes", "1",
         "--mono-utts-per-spk", "4", "--mono-iters", "2", "--mono-gauss", "40"],
        cwd=s5, env=dict(slurm_cluster.env, LC_ALL="C"), capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    # feature and GMM jobs went through sbatch: their job scripts and Slurm's own output files are there
    assert list(s5.glob("exp/make_mfcc/train/q/make_mfcc_train.sh")), sorted(str(p) for p in s5.glob("exp/**/q/*"))[:20]
    assert list(s5.glob("exp/make_mfcc/train/q/make_mfcc_train-1.out"))
    assert list(s5.glob("exp/mono/log/q/*.sh"))
    assert list(s5.glob("exp/mono/log/q/*-1.out"))
    assert (s5 / "exp/mono/final.mdl").is_file()
    assert (s5 / "exp/mono_ali/ali.1.gz").is_file()
    assert "# Ended (code 0)" in (s5 / "exp/mono/log/acc.1.1.log").read_text()
    assert "# Ended (code 0)" in (s5 / "exp/mono/log/align.1.1.log").read_text()
