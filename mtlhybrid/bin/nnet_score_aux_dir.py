"""Score the utterance-level heads of a decode dir (accent accuracy and confusion matrix).

  nnet_score_aux_dir.py <model.pt> <data-dir> <decode-dir>

Merges the per-job predictions ``<decode-dir>/aux/split.*/utt2<task>.pred`` that
steps/nnet/decode.sh has nnet_forward write, and for each utterance-level task writes
``<decode-dir>/aux/<task>/``: ``hyp`` (``<utt> <label> <posterior>``), and, when the data
dir has the task's reference ``utt2<label>``, ``acc`` (the %ACC line), ``confusion``
(the table with per-class recall) and ``report.json``. The tables are printed too.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_score_aux_dir.py", __doc__)
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("decode_dir")
    p.add_argument("--keep-splits", action="store_true", help="keep aux/split.* after merging")
    args = p.parse_args(argv)
    from mtlhybrid.nnet.checkpoint import checkpoint_identities, load_checkpoint
    from mtlhybrid.nnet.metrics import classification_report
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import atomic_write, kaldi_sorted, read_table

    ckpt = load_checkpoint(args.model)
    idents = checkpoint_identities(ckpt)
    aux = Path(args.decode_dir) / "aux"
    splits = sorted(aux.glob("split.*"))
    tasks = [t for t in ckpt["config"]["tasks"] if t.get("level") == "utterance"]
    for t in tasks:
        name, label = t["name"], t.get("label") or t["name"]
        hyp_lines = {}
        for s in splits:
            f = s / f"utt2{name}.pred"
            if f.is_file():
                hyp_lines.update(read_table(f))
        if not hyp_lines:
            log.warning("task %s: no predictions under %s", name, aux)
            continue
        out = aux / name
        with atomic_write(out / "hyp") as f:
            for utt in kaldi_sorted(hyp_lines):
                f.write(f"{utt} {hyp_lines[utt]}\n")
        ref_path = Path(args.data) / f"utt2{label}"
        if not ref_path.is_file():
            log.info("task %s: no %s, predictions only", name, ref_path)
            continue
        ref = read_table(ref_path)
        for utt, v in ref.items():
            if len(v.split()) != 1:
                raise DataError("expected '<utt> <label>'", path=ref_path, utt=utt)
        classes = idents[name].class_names
        if classes and not set(ref.values()) & set(classes) and (label == "spk" or t.get("adversarial")):
            # A speaker head on test speakers (disjoint by design) has nothing it could get right, and a
            # speakers x speakers confusion says nothing. An unseen *accent* is still scored: its row
            # of the confusion shows which seen accent it is taken for.
            log.info("task %s: no reference label of %s is a class of the network, predictions only", name, ref_path)
            continue
        hyp = {u: v.split()[0] for u, v in hyp_lines.items()}
        report = classification_report(ref, hyp, idents[name].class_names or None)
        text = report.format()
        with atomic_write(out / "acc") as f:
            f.write(text.splitlines()[0] + "\n")
        with atomic_write(out / "confusion") as f:
            f.write(text + "\n")
        with atomic_write(out / "report.json") as f:
            json.dump(report.to_dict(), f, indent=1)
        unknown = sorted(set(ref.values()) - set(idents[name].class_names or ref.values()))
        if unknown:
            log.warning("task %s: reference labels the network never learned: %s", name, " ".join(unknown))
        print(f"# {name} ({ref_path})")
        print(text)
    if not args.keep_splits:
        for s in splits:
            shutil.rmtree(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
