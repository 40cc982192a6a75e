"""Split a data directory into jobs, as Kaldi's ``utils/split_data.sh``.

``<data>/split<N>/<1..N>`` holds N data dirs. By default whole speakers go to one job
(per-speaker CMVN and adaptation need all of a speaker's data in the same job), as
contiguous runs of the sorted speaker list balanced by utterance count; ``per_utt``
splits the utterance list instead, into ``split<N>utt``. A split that is newer than every
file of the data dir is reused, as Kaldi does. A new split is built in a temporary
folder and renamed into place, so a job never sees half a split.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Sequence, Union

from mtlhybrid.data.datadir import DataDir
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def partition_contiguous(sizes: Sequence[int], n: int) -> List[List[int]]:
    """Split item indices 0..len(sizes)-1 into ``n`` non-empty contiguous groups with balanced sums.

    The largest group sum is minimised (binary search on the capacity with a greedy fill);
    if that yields fewer than ``n`` groups, the largest multi-item groups are cut in two.
    """
    m = len(sizes)
    if n > m:
        raise ValueError(f"cannot make {n} non-empty groups of {m} items")

    def greedy(cap: int) -> List[List[int]]:
        groups: List[List[int]] = [[]]
        load = 0
        for i, s in enumerate(sizes):
            if groups[-1] and load + s > cap:
                groups.append([])
                load = 0
            groups[-1].append(i)
            load += s
        return groups

    lo, hi = max(sizes), sum(sizes)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(greedy(mid)) <= n:
            hi = mid
        else:
            lo = mid + 1
    groups = greedy(lo)
    while len(groups) < n:
        # cut the heaviest group that has more than one item at its most balanced point
        cands = [g for g in groups if len(g) > 1]
        g = max(cands, key=lambda g: sum(sizes[i] for i in g))
        total, run, best, best_k = sum(sizes[i] for i in g), 0, None, 1
        for k in range(1, len(g)):
            run += sizes[g[k - 1]]
            diff = abs(total - 2 * run)
            if best is None or diff < best:
                best, best_k = diff, k
        idx = groups.index(g)
        groups[idx:idx + 1] = [g[:best_k], g[best_k:]]
    return groups


def split_dir_name(num_jobs: int, per_utt: bool) -> str:
    return f"split{num_jobs}{'utt' if per_utt else ''}"


def split_is_current(data: Path, split_dir: Path, num_jobs: int) -> bool:
    """True when every job dir exists and each table of ``data`` is not newer than its copy in job 1."""
    if not all((split_dir / str(j)).is_dir() for j in range(1, num_jobs + 1)):
        return False
    names = DataDir.load(data).table_names()
    if set(DataDir.load(split_dir / "1").table_names()) - set(names):
        return False  # the split has a table the data dir no longer has
    for name in names:
        src, dst = data / name, split_dir / "1" / name
        if not dst.is_file() or dst.stat().st_mtime < src.stat().st_mtime:
            return False
    return True


def split_data(data: PathLike, num_jobs: int, per_utt: bool = False, force: bool = False) -> List[Path]:
    """Split ``data`` into ``num_jobs`` job dirs; returns their paths (1..N)."""
    data = Path(data)
    if num_jobs < 1:
        raise DataError(f"number of jobs must be >= 1, got {num_jobs}")
    split_dir = data / split_dir_name(num_jobs, per_utt)
    jobs = [split_dir / str(j) for j in range(1, num_jobs + 1)]
    if not force and split_is_current(data, split_dir, num_jobs):
        logger.info("split_data: %s is up to date", split_dir)
        return jobs
    dd = DataDir.load(data).load_all()
    utts = dd.utt_ids
    for name, n in (("feats.scp", dd.feats_scp), ("text", dd.text)):
        if n is not None and len(n) != len(utts):
            logger.warning("split_data: %s has %d lines but utt2spk %d (utils/fix_data_dir.sh fixes this)", name, len(n), len(utts))
    if per_utt:
        if len(utts) < num_jobs:
            raise DataError(f"cannot split {len(utts)} utterances into {num_jobs} jobs", path=data / "utt2spk")
        groups = [[utts[i] for i in g] for g in partition_contiguous([1] * len(utts), num_jobs)]
    else:
        spk2utt: dict = {}
        for u in utts:
            spk2utt.setdefault(dd.utt2spk[u], []).append(u)
        speakers = list(spk2utt)  # utterance order = speaker order in a valid dir
        if len(speakers) < num_jobs:
            raise DataError(
                f"cannot split {len(speakers)} speakers into {num_jobs} jobs without splitting a speaker "
                "(use fewer jobs, or --per-utt)",
                path=data / "spk2utt",
            )
        parts = partition_contiguous([len(spk2utt[s]) for s in speakers], num_jobs)
        groups = [[u for i in g for u in spk2utt[speakers[i]]] for g in parts]
    tmp = Path(tempfile.mkdtemp(prefix=f".{split_dir.name}.", dir=data))
    os.chmod(tmp, 0o755)
    try:
        for j, g in enumerate(groups, start=1):
            dd.subset(g).save(tmp / str(j))
        if split_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{split_dir.name}.old.", dir=data))
            os.replace(split_dir, old / "x")
            os.replace(tmp, split_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(tmp, split_dir)
            except OSError:
                # Another job split the same dir meanwhile (recipes decode two systems of
                # one test set at once): its split is the same, keep it.
                if not split_is_current(data, split_dir, num_jobs):
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
                logger.info("split_data: %s was split by another process meanwhile", split_dir)
                return jobs
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    sizes = [len(g) for g in groups]
    logger.info("split_data: %s into %d jobs of %d..%d utterances", data, num_jobs, min(sizes), max(sizes))
    return jobs
