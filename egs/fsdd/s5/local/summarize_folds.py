#!/usr/bin/env python3
"""Leave-one-speaker-out summary: WER per system and fold, and pooled over the folds.

Usage: summarize_folds.py [--test-set test] <fold-exp-dir> ...   (e.g. exp/loso_*)

Each fold dir holds the systems of one run.sh (mono, tri1, nnet_mtl_s1, ...) decoded on the
speaker it held out; <sys>/decode_<test-set>/scoring_kaldi/best_wer gives errors and words.
The pooled WER sums errors and words over the folds (every speaker counts by its number
of words). A system some fold lacks is shown as '-' there and pooled over the folds it has,
with the count of folds noted. Prints Markdown.
"""

import argparse
import re
import sys
from pathlib import Path

WER_LINE = re.compile(r"%WER\s+([0-9.]+)\s+\[\s*([0-9]+)\s*/\s*([0-9]+)")


def read_best_wer(path: Path):
    m = WER_LINE.search(path.read_text(encoding="utf-8"))
    if m is None:
        raise SystemExit(f"summarize_folds.py: ERROR: {path}: no '%WER x [ errors / words' line")
    return int(m.group(2)), int(m.group(3))


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="summarize_folds.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--test-set", default="test")
    p.add_argument("folds", nargs="+", type=Path)
    a = p.parse_args(argv)
    folds = [f for f in a.folds if f.is_dir()]
    table = {}  # system -> fold name -> (errors, words)
    for fold in folds:
        for best in sorted(fold.glob(f"*/decode_{a.test_set}/scoring_kaldi/best_wer")):
            table.setdefault(best.parents[2].name, {})[fold.name] = read_best_wer(best)
    names = [f.name for f in folds]
    print(f"# Leave-one-speaker-out: WER (%) on the held-out speaker, test set '{a.test_set}'\n")
    if not table:
        print(f"No decoded systems in {', '.join(map(str, a.folds))}.")
        return 0
    print("| system | " + " | ".join(names) + " | pooled |")
    print("|---" * (len(names) + 2) + "|")
    for system in sorted(table):
        cells, err, words = [], 0, 0
        for n in names:
            if n in table[system]:
                e, w = table[system][n]
                err, words = err + e, words + w
                cells.append(f"{100.0 * e / w:.2f}")
            else:
                cells.append("-")
        pooled = f"{100.0 * err / words:.2f}"
        if len(table[system]) < len(names):
            pooled += f" ({len(table[system])} of {len(names)} folds)"
        print(f"| {system} | " + " | ".join(cells) + f" | {pooled} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
