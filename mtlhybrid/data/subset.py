"""Choose part of a data directory, as Kaldi's ``utils/subset_data_dir.sh``.

The selection modes are Kaldi's: the first or last N utterances, the N shortest, N per
speaker, a speaker list, an utterance list, or N utterances spread evenly through the
(speaker-sorted) utterance list, which is what Kaldi's default "random" mode does through
``subset_scp.pl``: deterministic, and it samples every speaker in proportion.
Label files (``utt2<name>``), spk2gender and every other table ride along
(:meth:`DataDir.subset`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from mtlhybrid.data.datadir import DataDir, spk2utt_from_utt2spk
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines, kaldi_sorted
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def evenly_spaced(items: Sequence[str], n: int) -> List[str]:
    """``n`` items spread evenly over ``items`` (all of them if there are not more than ``n``)."""
    m = len(items)
    if n >= m:
        return list(items)
    return [items[int((i + 0.5) * m / n)] for i in range(n)]


def read_id_list(path: PathLike) -> List[str]:
    """First field of each non-blank line (a speaker or utterance list, or any scp)."""
    out = []
    for _, line in iter_lines(path):
        f = line.split()
        if f:
            out.append(f[0])
    return out


def utterance_durations(dd: DataDir) -> Dict[str, float]:
    """Utterance lengths for ``--shortest``: utt2dur, segments, utt2num_frames or feats.scp."""
    if dd.utt2dur is not None:
        return dd.utt2dur
    if dd.segments is not None:
        return {u: s.duration for u, s in dd.segments.items()}
    t = dd.table("utt2num_frames")
    if t is not None:
        return {u: float(v) for u, v in t.items()}
    if dd.feats_scp is not None:
        import kaldiio

        return {u: float(kaldiio.load_mat(v).shape[0]) for u, v in dd.feats_scp.items()}
    raise DataError("--shortest needs utt2dur, segments, utt2num_frames or feats.scp", path=dd.path)


def select_utterances(
    dd: DataDir,
    num: Optional[int] = None,
    first: Optional[int] = None,
    last: Optional[int] = None,
    shortest: Optional[int] = None,
    per_spk: Optional[int] = None,
    spk_list: Optional[Sequence[str]] = None,
    utt_list: Optional[Sequence[str]] = None,
) -> List[str]:
    """The utterance ids one selection mode picks (exactly one mode must be given)."""
    modes = [x is not None for x in (num, first, last, shortest, per_spk, spk_list, utt_list)]
    if sum(modes) != 1:
        raise ValueError("give exactly one of num, first, last, shortest, per_spk, spk_list, utt_list")
    utts = dd.utt_ids
    for v in (num, first, last, shortest, per_spk):
        if v is not None and v < 0:
            raise DataError(f"number of utterances must be >= 0, got {v}")
    if num is not None:
        if num > len(utts):
            logger.warning("asked for %d utterances, %s has only %d: keeping all", num, dd.path, len(utts))
        return evenly_spaced(utts, num)
    if first is not None:
        return utts[:first]
    if last is not None:
        return utts[len(utts) - last:] if last else []
    if shortest is not None:
        dur = utterance_durations(dd)
        missing = [u for u in utts if u not in dur]
        if missing:
            raise DataError(f"no duration for {len(missing)} utterances (e.g. {missing[0]})", path=dd.path, utt=missing[0])
        return kaldi_sorted(sorted(utts, key=lambda u: (dur[u], u))[:shortest])
    if per_spk is not None:
        s2u = spk2utt_from_utt2spk({u: dd.utt2spk[u] for u in utts})
        return kaldi_sorted(u for s in s2u for u in evenly_spaced(s2u[s], per_spk))
    if spk_list is not None:
        wanted = set(spk_list)
        unknown = wanted - set(dd.speakers)
        if unknown:
            logger.warning("%d speakers of the list are not in %s (e.g. %s)", len(unknown), dd.path, sorted(unknown)[0])
        return [u for u in utts if dd.utt2spk[u] in wanted]
    wanted = set(utt_list)
    unknown = wanted - set(utts)
    if unknown:
        logger.warning("%d utterances of the list are not in %s (e.g. %s)", len(unknown), dd.path, sorted(unknown)[0])
    return [u for u in utts if u in wanted]


def subset_data_dir(src: PathLike, dest: PathLike, **selection) -> DataDir:
    """Write the subset of ``src`` chosen by ``selection`` (see :func:`select_utterances`) to ``dest``."""
    if Path(src).resolve() == Path(dest).resolve():
        raise DataError("source and destination are the same directory", path=dest)
    dd = DataDir.load(src)
    utts = select_utterances(dd, **selection)
    if not utts:
        raise DataError("the selection is empty; nothing written", path=src)
    out = dd.subset(utts)
    out.save(dest)
    logger.info("subset_data_dir: kept %d of %d utterances (%d speakers) of %s in %s",
                len(utts), len(dd.utt_ids), len(out.speakers), src, dest)
    return out
