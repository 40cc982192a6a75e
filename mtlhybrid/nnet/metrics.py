"""Accuracy and confusion matrices for utterance-level tasks (e.g. accent identification)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence

import numpy as np

from mtlhybrid.utils.io import kaldi_sorted


@dataclass
class ClassificationReport:
    """Accuracy over the utterances both sides know, and the confusion matrix (rows: reference)."""

    classes: List[str]
    confusion: np.ndarray
    num_missing: int = 0

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.total) if self.total else 0.0

    def to_dict(self) -> dict:
        return {"classes": self.classes, "confusion": self.confusion.tolist(), "accuracy": self.accuracy,
                "num_missing": self.num_missing}

    def format(self) -> str:
        """A text table: accuracy line, then the confusion matrix with per-class recall."""
        w = max([len(c) for c in self.classes] + [5])
        lines = [f"%ACC {100 * self.accuracy:.2f} [ {int(np.trace(self.confusion))} / {self.total} ]"
                 + (f" ({self.num_missing} without hypothesis)" if self.num_missing else "")]
        lines.append("ref\\hyp".ljust(w) + " " + " ".join(c.rjust(w) for c in self.classes) + " " + "recall".rjust(7))
        for i, c in enumerate(self.classes):
            row = self.confusion[i]
            rec = row[i] / row.sum() if row.sum() else 0.0
            lines.append(c.ljust(w) + " " + " ".join(str(int(x)).rjust(w) for x in row) + f" {100 * rec:6.1f}%")
        return "\n".join(lines)


def classification_report(ref: Mapping[str, str], hyp: Mapping[str, str],
                          classes: Optional[Sequence[str]] = None) -> ClassificationReport:
    """Compare reference and hypothesised labels per utterance; unhypothesised refs are counted."""
    classes = list(classes) if classes is not None else kaldi_sorted(set(ref.values()) | set(hyp.values()))
    extra = kaldi_sorted({x for x in list(ref.values()) + list(hyp.values()) if x not in classes})
    classes += extra
    idx = {c: i for i, c in enumerate(classes)}
    conf = np.zeros((len(classes), len(classes)), dtype=np.int64)
    missing = 0
    for utt, r in ref.items():
        if utt not in hyp:
            missing += 1
            continue
        conf[idx[r], idx[hyp[utt]]] += 1
    return ClassificationReport(classes, conf, missing)
