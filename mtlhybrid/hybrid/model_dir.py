"""A network experiment dir as steps/nnet/train_mtl.sh (or adapt.sh) leaves it, and its checks.

Everything decoding needs sits in the dir, so a model can be copied, decoded or used to
transcribe audio on its own:

* ``final.pt`` — the network (identities: class counts, phones.txt and tree hashes);
* ``final.mdl``, ``tree`` — the transition model and tree of the alignments it learned;
* ``phones.txt`` — the lang's phone symbols;
* ``ali_train_pdf.counts`` — pdf frame counts of the training alignments (priors);
* ``conf/<fbank|mfcc>.conf`` — the feature config the training data was made with;
* ``cmvn_opts``, ``delta_opts`` — the feature options as tool options
  (``--apply-cmvn true --norm-vars false``, ``--delta-order 0``), as Kaldi's model dirs keep them.

:meth:`ModelDir.check` verifies the dir is self-consistent and :meth:`ModelDir.check_graph`
that a graph was built for the same lang and tree: a mismatch is a MismatchError naming both.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Union

from mtlhybrid.utils.errors import DataError, MismatchError

PathLike = Union[str, Path]
REQUIRED = ("final.pt", "final.mdl", "tree", "phones.txt", "ali_train_pdf.counts")


def _phone_lines(path: Path) -> list:
    """phones.txt without disambiguation symbols (graphs and models may differ only there)."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def parse_feature_opts(text: str, where: Optional[PathLike] = None) -> Dict[str, str]:
    """``--apply-cmvn true --norm-vars=false`` -> {"apply_cmvn": "true", "norm_vars": "false"}."""
    out: Dict[str, str] = {}
    words = shlex.split(text)
    i = 0
    while i < len(words):
        w = words[i]
        if not w.startswith("--"):
            raise DataError(f"expected --option value, got {w!r}", path=where)
        if "=" in w:
            k, v = w[2:].split("=", 1)
        else:
            if i + 1 >= len(words):
                raise DataError(f"option {w} has no value", path=where)
            k, v = w[2:], words[i + 1]
            i += 1
        out[k.replace("-", "_")] = v
        i += 1
    return out


@dataclass
class ModelDir:
    """Paths and settings of a trained network's experiment dir."""

    path: Path

    def __post_init__(self):
        self.path = Path(self.path)

    def to_dict(self) -> dict:
        return {"path": str(self.path)}

    @classmethod
    def from_dict(cls, d: dict) -> "ModelDir":
        return cls(Path(d["path"]))

    # ----- files ---------------------------------------------------------------------------
    @property
    def model(self) -> Path:
        return self.path / "final.pt"

    @property
    def transition_model(self) -> Path:
        return self.path / "final.mdl"

    @property
    def tree(self) -> Path:
        return self.path / "tree"

    @property
    def phones(self) -> Path:
        return self.path / "phones.txt"

    @property
    def counts(self) -> Path:
        return self.path / "ali_train_pdf.counts"

    def feature_config(self) -> Path:
        """``conf/fbank.conf`` or ``conf/mfcc.conf`` (exactly one of them)."""
        found = [self.path / "conf" / f"{k}.conf" for k in ("fbank", "mfcc") if (self.path / "conf" / f"{k}.conf").is_file()]
        if len(found) != 1:
            raise DataError("expected exactly one feature config conf/fbank.conf or conf/mfcc.conf "
                            f"(found {len(found)}); train_mtl.sh copies it from <data>/conf", path=self.path / "conf")
        return found[0]

    @property
    def feature_kind(self) -> str:
        return self.feature_config().stem

    def feature_options(self):
        """:class:`~mtlhybrid.nnet.inputs.FeatureOptions` from ``cmvn_opts`` and ``delta_opts``."""
        from mtlhybrid.nnet.inputs import FeatureOptions

        opts: Dict[str, str] = {}
        for name in ("cmvn_opts", "delta_opts"):
            f = self.path / name
            if f.is_file():
                opts.update(parse_feature_opts(f.read_text(encoding="utf-8"), f))
        unknown = set(opts) - {"apply_cmvn", "norm_vars", "delta_order"}
        if unknown:
            raise DataError(f"unknown feature option --{sorted(unknown)[0].replace('_', '-')}", path=self.path / "cmvn_opts")
        return FeatureOptions(opts.get("apply_cmvn", "true") == "true", opts.get("norm_vars", "false") == "true",
                              int(opts.get("delta_order", "0")))

    # ----- checks --------------------------------------------------------------------------
    def check(self) -> None:
        """Every needed file is there, and final.pt was trained on this dir's tree and phones.txt."""
        from mtlhybrid.hmm.tree import ContextDependency
        from mtlhybrid.nnet.checkpoint import check_identity, load_checkpoint
        from mtlhybrid.nnet.targets import TaskIdentity, file_hash

        for name in REQUIRED:
            if not (self.path / name).is_file():
                raise DataError("no such file (not a network dir made by steps/nnet/train_mtl.sh?)", path=self.path / name)
        ckpt = load_checkpoint(self.model)
        task = self.senone_task(ckpt)
        n = ContextDependency.read(self.tree).num_pdfs
        expected = {task: TaskIdentity(n, [], file_hash(self.phones), file_hash(self.tree))}
        check_identity(ckpt, expected, str(self.model), f"{self.tree} / {self.phones}")

    @staticmethod
    def senone_task(ckpt) -> str:
        """The task whose outputs are decoded: the primary task if it is a pdf task, else the first pdf task."""
        tasks = ckpt["config"]["tasks"]
        prim = next((t for t in tasks if t.get("primary")), None)
        if prim is not None and prim["source"] == "pdf":
            return prim["name"]
        for t in tasks:
            if t["source"] == "pdf":
                return t["name"]
        raise MismatchError("the network has no senone (pdf) task to decode with")

    def check_graph(self, graph_dir: PathLike) -> None:
        """The graph was built from this model's lang and tree: same phones, same number of pdfs."""
        from mtlhybrid.hmm.tree import ContextDependency

        graph_dir = Path(graph_dir)
        gphones = graph_dir / "phones.txt"
        if not gphones.is_file():
            raise DataError("no such file", path=gphones)
        if _phone_lines(gphones) != _phone_lines(self.phones):
            raise MismatchError(f"{self.phones} (model dir {self.path}) and {gphones} (graph dir {graph_dir}) "
                                "are different phone sets: the graph was built with another lang")
        num = graph_dir / "num_pdfs"
        if num.is_file():
            g = int(num.read_text().split()[0])
            m = ContextDependency.read(self.tree).num_pdfs
            if g != m:
                raise MismatchError(f"{self.tree} (model dir {self.path}) has {m} pdfs but graph dir {graph_dir} "
                                    f"was built for {g} (another tree)")
