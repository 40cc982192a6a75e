"""Print a model's transition states and transition ids with their probabilities (Kaldi's show-transitions).

  show_transitions <phones.txt> <model> [<occs>]

<occs> is the per-pdf occupation vector (Kaldi text ``[ c0 c1 ... ]`` or plain numbers)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


def read_vector(path) -> np.ndarray:
    """A Kaldi text vector ``[ 1 2 3 ]`` (or numbers separated by white space); ``.npy`` too."""
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False).astype(np.float64).ravel()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read vector: {e}", path=path)
    toks = [t for t in text.replace("[", " ").replace("]", " ").split()]
    try:
        return np.array([float(t) for t in toks], dtype=np.float64)
    except ValueError as e:
        raise DataError(f"not a text vector: {e}", path=path)


@tool_main
def main(argv=None) -> int:
    p = make_parser("show_transitions", __doc__)
    p.add_argument("phones_txt")
    p.add_argument("model")
    p.add_argument("occs", nargs="?")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.io import read_symbol_table

    names = {i: s for s, i in read_symbol_table(a.phones_txt).items()}
    tm, _ = load_model(a.model)
    occs = read_vector(a.occs) if a.occs else None
    missing = sorted(set(tm.phones) - set(names))
    if missing:
        raise DataError(f"phones {missing[:10]} of the model are not in the symbol table", path=a.phones_txt)
    sys.stdout.write(tm.describe(names, occs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
