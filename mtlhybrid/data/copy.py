"""Copy a data directory renaming utterances and speakers, as Kaldi's ``utils/copy_data_dir.sh``.

Prefixes and suffixes keep ids unique when directories are combined later (augmented
copies, two corpora with the same speaker names). Recording ids stay as they are when
there is a segments file (recordings are shared, not renamed); without one, wav.scp is
keyed by utterance and is renamed with them. When utterances are renamed and there is no
``utt2uniq``, one is written mapping each new id to the original, as Kaldi does, so that
later tools can keep copies of one utterance on the same side of a split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from mtlhybrid.data.datadir import RECO, SPK, UTT, DataDir
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def copy_data_dir(
    src: PathLike,
    dest: PathLike,
    utt_prefix: str = "",
    utt_suffix: str = "",
    spk_prefix: str = "",
    spk_suffix: str = "",
) -> DataDir:
    """Copy ``src`` to ``dest`` with ids renamed ``<prefix><id><suffix>``; every table goes along."""
    if Path(src).resolve() == Path(dest).resolve():
        raise DataError("source and destination are the same directory", path=dest)
    for s in (utt_prefix, utt_suffix, spk_prefix, spk_suffix):
        if any(c.isspace() for c in s):
            raise DataError(f"prefix/suffix {s!r} contains whitespace")
    dd = DataDir.load(src).load_all()

    def umap(u: str) -> str:
        return f"{utt_prefix}{u}{utt_suffix}"

    def smap(s: str) -> str:
        return f"{spk_prefix}{s}{spk_suffix}"

    out = DataDir()
    out._scalars = dict(dd._scalars)
    for name in dd.table_names():
        t = dd.table(name)
        idx = dd.index_of(name)
        if name == "utt2spk":
            out.set_table(name, {umap(u): smap(s) for u, s in t.items()})
        elif name == "spk2utt":
            continue
        elif idx == UTT:
            out.set_table(name, {umap(k): v for k, v in t.items()})
        elif idx == SPK:
            out.set_table(name, {smap(k): v for k, v in t.items()})
        elif idx == RECO:
            out.set_table(name, dict(t))
    if (utt_prefix or utt_suffix) and not dd.has("utt2uniq"):
        out.set_table("utt2uniq", {umap(u): u for u in dd.utt_ids})
    out.regenerate_spk2utt()
    out.save(dest)
    logger.info("copy_data_dir: copied %d utterances of %s to %s", len(dd.utt_ids), src, dest)
    return out
