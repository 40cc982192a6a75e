"""Refuse to continue an experiment dir with settings other than the ones it was made with.

Kaldi-style steps resume: a rerun into a dir with ``last.pt``, ``final.mdl`` or a
``--stage`` past the start picks up what is there. When the request changed in between
(another learning rate, another architecture, more Gaussians), continuing would mix two
experiments while the dir claims to be one of them. So a rerun compares what the dir
recorded with what is asked now and stops, naming each difference as ``key: old -> new``,
unless the user asks to start over (``--overwrite true`` in the step scripts).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from mtlhybrid.utils.errors import MtlHybridError

#: The option every step script that checks reruns takes to start over instead.
OVERWRITE_HINT = "rerun with --overwrite true to start over in this dir, or choose another dir"


class ChangedRequestError(MtlHybridError):
    """The dir was made with other settings than this run asks for."""


@dataclasses.dataclass(frozen=True)
class Change:
    """One setting that differs between a dir and a rerun (``None`` side: absent there)."""

    key: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.key}: {_show(self.old)} -> {_show(self.new)}"


def _show(v: Any) -> str:
    return "(unset)" if v is None else repr(v) if isinstance(v, str) and (not v or " " in v) else str(v)


def flatten(d: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """``{"train": {"lr": 0.1}}`` -> ``{"train.lr": 0.1}``; lists stay values."""
    out: Dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _plain(v: Any) -> Any:
    """Tuples as lists, so a config read back from a checkpoint equals the one it was made from."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    return v


def diff_settings(old: Mapping[str, Any], new: Mapping[str, Any]) -> List[Change]:
    """The changes from ``old`` to ``new`` (nested dicts compared key by key, sorted by key)."""
    a, b = flatten(_plain(old)), flatten(_plain(new))
    return [Change(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def check_unchanged(old: Mapping[str, Any], new: Mapping[str, Any], where: str, what: str = "settings",
                    hint: str = OVERWRITE_HINT) -> None:
    """Raise ChangedRequestError listing every change when ``old`` and ``new`` differ."""
    changes = diff_settings(old, new)
    if changes:
        raise ChangedRequestError(
            f"{where} was made with other {what} than this run asks for: "
            + "; ".join(str(c) for c in changes) + f" ({hint})")


def read_options_file(path: Path) -> Dict[str, str]:
    """``key=value`` lines (the step scripts' record of their options), in file order."""
    out: Dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


def parse_assignments(items: List[str]) -> Dict[str, str]:
    """``["beam=10", "totgauss=1000"]`` -> dict; a word without ``=`` is an error."""
    out: Dict[str, str] = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k:
            raise MtlHybridError(f"expected key=value, got {it!r}")
        out[k] = " ".join(v.split())
    return out


def check_or_record_options(dir_: Path, options: Mapping[str, str], name: str = "train_opts",
                            overwrite: bool = False) -> Optional[List[Change]]:
    """Record ``options`` in ``<dir>/<name>``, or refuse when the dir recorded others.

    Returns the changes that ``overwrite`` allowed (None when nothing was recorded yet).
    """
    from mtlhybrid.utils.io import atomic_write

    path = Path(dir_) / name
    changes = None
    if path.is_file():
        old = read_options_file(path)
        changes = diff_settings(old, dict(options))
        if changes and not overwrite:
            check_unchanged(old, dict(options), str(dir_), "options")
    with atomic_write(path) as f:
        for k, v in options.items():
            f.write(f"{k}={v}\n")
    return changes
