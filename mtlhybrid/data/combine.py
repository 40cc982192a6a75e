"""Combine data directories into one, as Kaldi's ``utils/combine_data.sh``.

A table is combined when every source has it; one missing in some source is left out,
with a warning, since a partial ``text`` or ``feats.scp`` would make an invalid
directory. Auxiliary-task label files are the exception: ``utt2<name>`` present in some
sources only is combined from those, because a multi-task recipe trains on utterances with
and without each label. If only some sources have ``segments``, the others get
whole-recording segments (from their utt2dur). Utterance ids must be unique across the
sources (use copy_data_dir's prefixes); a clash is an error naming both sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Union

from mtlhybrid.data.datadir import NON_LABEL_UTT_FILES, RECO, SPK, DataDir, format_seconds
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def _is_label(name: str) -> bool:
    return name.startswith("utt2") and name not in NON_LABEL_UTT_FILES


def combine_data(dest: PathLike, srcs: Sequence[PathLike]) -> DataDir:
    """Write the union of ``srcs`` to ``dest`` (see the module docstring)."""
    if not srcs:
        raise DataError("no source directories to combine")
    dest_r = Path(dest).resolve()
    dirs: List[DataDir] = []
    for s in srcs:
        if Path(s).resolve() == dest_r:
            raise DataError("destination is also a source", path=dest)
        dirs.append(DataDir.load(s).load_all())

    any_segments = any(d.has("segments") for d in dirs)
    if any_segments:
        for d in dirs:
            if not d.has("segments"):
                dur = d.utt2dur
                if dur is None:
                    raise DataError("other sources have segments; this one has neither segments nor utt2dur to make them", path=d.path)
                d.set_table("segments", {u: f"{u} {format_seconds(0.0)} {format_seconds(dur[u])}" for u in d.utt_ids})
                logger.info("combine_data: made whole-recording segments for %s", d.path)

    if any(d.has("utt2uniq") for d in dirs):
        for d in dirs:
            if not d.has("utt2uniq"):  # an utterance with no copies is its own original
                d.set_table("utt2uniq", {u: u for u in d.utt_ids})

    all_names = sorted({n for d in dirs for n in d.table_names()})
    owner: Dict[str, str] = {}
    for d in dirs:
        for u in d.utt_ids:
            if u in owner:
                raise DataError(f"utterance id in two sources ({owner[u]} and {d.path}); give copies a --utt-prefix", path=d.path, utt=u)
            owner[u] = str(d.path)

    out = DataDir()
    for name in all_names:
        if name == "spk2utt":
            continue
        have = [d for d in dirs if d.has(name)]
        if len(have) < len(dirs) and not _is_label(name):
            missing = [str(d.path) for d in dirs if not d.has(name)]
            logger.warning("combine_data: not combining %s: missing in %s", name, ", ".join(missing))
            continue
        idx = dirs[0].index_of(name) if dirs[0].has(name) else have[0].index_of(name)
        if any_segments and name == "wav.scp":
            idx = RECO
        merged: Dict[str, str] = {}
        for d in have:
            for k, v in d.table(name).items():
                if k in merged and merged[k] != v:
                    what = "speaker" if idx == SPK else "recording" if idx == RECO else "utterance"
                    raise DataError(f"{what} {k} has different entries in {name} of two sources ({merged[k]!r} vs {v!r})", path=Path(d.path) / name)
                merged[k] = v
        out.set_table(name, merged)
        if len(have) < len(dirs):
            n_unlabelled = sum(len(d.utt_ids) for d in dirs if not d.has(name))
            logger.info("combine_data: %s: %d utterances from sources without it stay unlabelled", name, n_unlabelled)
    fs = {d._scalars.get("frame_shift") for d in dirs}
    if len(fs) == 1 and None not in fs:
        out.set_scalar("frame_shift", fs.pop())
    out.regenerate_spk2utt()
    out.save(dest)
    logger.info("combine_data: %d utterances from %d directories in %s", len(owner), len(dirs), dest)
    return out
