"""G.fst from an ARPA language model (Kaldi's ``arpa2fst``, through kaldilm).

kaldilm wraps Kaldi's own converter, so G.fst has Kaldi's shape: one state per listed
history, back-off arcs labelled with the disambiguation symbol ``#0`` (so L o G stays
determinizable), ``<s>`` and ``</s>`` turned into epsilon / final weights, input labels
sorted. Before converting, words of the ARPA file missing from words.txt are counted and
logged: kaldilm skips the n-grams holding them, and nothing may be dropped silently.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Union

from mtlhybrid.lang.fst_io import read_fst
from mtlhybrid.utils.errors import DataError, MtlHybridError
from mtlhybrid.utils.io import atomic_path, read_symbol_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]


def _plain_arpa(arpa: Path, tmpdir: str) -> Path:
    if str(arpa).endswith(".gz"):
        out = Path(tmpdir) / "lm.arpa"
        with gzip.open(arpa, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return out
    return arpa


def count_oov_ngrams(arpa: PathLike, words: dict, bos: str = "<s>", eos: str = "</s>") -> dict:
    """Word -> number of n-grams of ``arpa`` holding it, for words missing from ``words``."""
    from mtlhybrid.lang.arpa import ArpaLm

    lm = ArpaLm.read(arpa)
    missing: dict = {}
    for table in lm.ngrams:
        for g in table:
            for w in g:
                if w not in words and w not in (bos, eos):
                    missing[w] = missing.get(w, 0) + 1
    return missing


def arpa_to_fst(
    arpa: PathLike,
    out_fst: PathLike,
    words_txt: Optional[PathLike] = None,
    disambig_symbol: str = "#0",
    bos: str = "<s>",
    eos: str = "</s>",
):
    """Convert ``arpa`` (plain or .gz) to G.fst at ``out_fst``; returns the kaldifst FST.

    With ``words_txt`` the labels are its ids (as format_lm.sh needs); the disambiguation
    symbol must be in it.
    """
    import kaldilm

    arpa, out_fst = Path(arpa), Path(out_fst)
    if not arpa.exists():
        raise DataError("ARPA file does not exist", path=arpa)
    with tempfile.TemporaryDirectory(prefix="arpa2fst.") as tmp:
        plain = _plain_arpa(arpa, tmp)
        if words_txt is not None:
            words = read_symbol_table(words_txt)
            if disambig_symbol and disambig_symbol not in words:
                raise DataError(f"disambiguation symbol {disambig_symbol!r} is not in words.txt", path=words_txt)
            missing = count_oov_ngrams(plain, words, bos, eos)
            if missing:
                n = sum(missing.values())
                shown = ", ".join(sorted(missing)[:20])
                logger.warning(
                    "%d words of %s are not in %s; %d n-grams holding them are skipped: %s%s",
                    len(missing), arpa, words_txt, n, shown, " ..." if len(missing) > 20 else "",
                )
        with atomic_path(out_fst) as tmp_out:  # G.fst appears only once it is known to be non-empty
            kaldilm.arpa2fst(
                str(plain),
                tmp_out,
                bos_symbol=bos,
                eos_symbol=eos,
                disambig_symbol=disambig_symbol,
                read_symbol_table=str(words_txt) if words_txt is not None else "",
                ilabel_sort=True,
            )
            fst = read_fst(tmp_out)
            if fst.num_states == 0:
                raise MtlHybridError(f"{arpa}: the grammar FST is empty")
    logger.info("wrote %s: %d states, %d arcs", out_fst, fst.num_states, sum(fst.num_arcs(s) for s in range(fst.num_states)))
    return fst
