"""The ``mtlhybrid`` command: one entry point for the toolkit's tools.

  mtlhybrid <command> [options] ...
  mtlhybrid --help               (lists the commands)
  mtlhybrid <command> --help     (the command's own help)

The main commands are listed with a one-line description; every other tool of
``mtlhybrid/bin`` (the Kaldi-binary-like tools the step scripts call) is reachable by its
name too, with dashes or underscores (``mtlhybrid compute-wer ...``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Dict, List, Optional

# command -> (module under mtlhybrid.bin, one-line description)
COMMANDS: Dict[str, tuple] = {
    "transcribe": ("transcribe", "transcribe audio files or a data dir with a trained network"),
    "train": ("nnet_train", "train the multi-task network (steps/nnet/train_mtl.sh calls it)"),
    "adapt": ("nnet_adapt", "fine-tune a trained network on a new corpus (steps/nnet/adapt.sh)"),
    "forward": ("nnet_forward", "senone scores and auxiliary predictions of a data dir"),
    "info": ("nnet_info", "what a network checkpoint holds"),
    "check-dir": ("nnet_check_dir", "check a network dir against its tree, phones and a graph"),
    "score-aux": ("nnet_score_aux_dir", "accent (utterance-task) accuracy of a decode dir"),
    "decode": ("latgen", "decode score matrices with HCLG into lattices"),
    "mkgraph": ("mkgraph", "build HCLG (utils/mkgraph.sh)"),
    "compute-wer": ("compute_wer", "word error rate of hypotheses against references"),
    "validate-data-dir": ("validate_data_dir", "check a Kaldi data dir"),
}
_SKIP = {"main", "__init__"}


def _other_tools() -> List[str]:
    import mtlhybrid.bin as pkg

    named = {m for m, _ in COMMANDS.values()}
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name not in _SKIP and m.name not in named)


def _usage() -> str:
    w = max(len(c) for c in COMMANDS)
    lines = ["usage: mtlhybrid <command> [options] ...", "",
             "Multi-task hybrid DNN-HMM speech recognition (Kaldi-style recipes in egs/, steps/, utils/).", "",
             "commands:"]
    lines += [f"  {c.ljust(w)}  {d}" for c, (_, d) in COMMANDS.items()]
    lines += ["", "other tools (mtlhybrid <tool> --help):"]
    others = [t.replace("_", "-") for t in _other_tools()]
    line = " "
    for t in others:
        if len(line) + len(t) > 88:
            lines.append(line)
            line = " "
        line += " " + t
    lines.append(line)
    return "\n".join(lines)


def resolve(command: str) -> Optional[str]:
    """The mtlhybrid.bin module that runs ``command`` (a listed command or any tool name), or None."""
    if command in COMMANDS:
        return COMMANDS[command][0]
    name = command.replace("-", "_")
    if name in _SKIP or name.startswith("_"):
        return None
    return name if name in _other_tools() else None


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if argv else 1
    module = resolve(argv[0])
    if module is None:
        print(f"mtlhybrid: unknown command {argv[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 1
    mod = importlib.import_module(f"mtlhybrid.bin.{module}")
    sys.argv = [f"mtlhybrid {argv[0]}"] + argv[1:]
    return int(mod.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
