"""Line filters of Kaldi's ``utils/``: filter_scp, sym2int, int2sym, apply_map, spk2utt <-> utt2spk.

They work on lines of text (stdin to stdout in the command-line tools) so that shell
recipes can pipe through them as they pipe through Kaldi's Perl scripts. Field numbers
are 1-based and ranges look like ``2-``, ``1-3``, ``4`` (also ``1:3``), as Kaldi accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Set

from mtlhybrid.utils.errors import DataError


@dataclass
class FieldRange:
    """1-based inclusive field range; None at either end means open."""

    begin: Optional[int] = None
    end: Optional[int] = None

    @classmethod
    def parse(cls, spec: str) -> "FieldRange":
        if re.fullmatch(r"\d+", spec):
            return cls(int(spec), int(spec))
        m = re.fullmatch(r"(\d*)[-:](\d*)", spec)
        if not m or (m.group(1) == "" and m.group(2) == ""):
            raise DataError(f"bad field range {spec!r} (use e.g. 2-, 1-3 or 4)")
        return cls(int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)

    def __contains__(self, n: int) -> bool:  # n is 1-based
        return (self.begin is None or n >= self.begin) and (self.end is None or n <= self.end)

    def to_dict(self) -> dict:
        return {"begin": self.begin, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict) -> "FieldRange":
        return cls(d.get("begin"), d.get("end"))


def read_id_set(lines: Iterable[str]) -> Set[str]:
    """First fields of an id list or scp file."""
    out: Set[str] = set()
    for line in lines:
        f = line.split(maxsplit=1)
        if f:
            out.add(f[0])
    return out


def filter_lines(ids: Set[str], lines: Iterable[str], field: int = 1, exclude: bool = False) -> Iterator[str]:
    """Lines whose ``field``-th field is (or, with ``exclude``, is not) in ``ids``; order kept."""
    for line in lines:
        f = line.split()
        if len(f) < field:
            if exclude:
                yield line
            continue
        if (f[field - 1] in ids) != exclude:
            yield line


class SymbolMapper:
    """Map fields through a symbol table, counting OOV replacements (sym2int/int2sym/apply_map)."""

    def __init__(self, table: Mapping[str, str], fields: FieldRange, oov: Optional[str] = None, name: str = "symbol table",
                 permissive: bool = False):
        self.table, self.fields, self.oov, self.name, self.permissive = table, fields, oov, name, permissive
        self.num_oov = 0
        self.oov_examples: List[str] = []

    def map_line(self, line: str, lineno: Optional[int] = None, src: Optional[str] = None) -> str:
        f = line.split()
        out = []
        for n, tok in enumerate(f, start=1):
            if n in self.fields:
                v = self.table.get(tok)
                if v is None:
                    if self.oov is not None:
                        self.num_oov += 1
                        if len(self.oov_examples) < 20:
                            self.oov_examples.append(tok)
                        v = self.oov
                    elif self.permissive:
                        v = tok
                    else:
                        raise DataError(f"undefined symbol {tok!r} (field {n}) not in {self.name}", path=src, line=lineno)
                tok = v
            out.append(tok)
        return " ".join(out)

def read_map_file(path: str, kind: str) -> Dict[str, str]:
    """``sym2int``: symbol -> id; ``int2sym``: id -> symbol; ``map``: first field -> the rest."""
    from mtlhybrid.utils.io import iter_lines

    out: Dict[str, str] = {}
    for lineno, line in iter_lines(path):
        f = line.split()
        if not f:
            continue
        if kind in ("sym2int", "int2sym"):
            if len(f) != 2:
                raise DataError(f"expected '<symbol> <id>', got {line!r}", path=path, line=lineno)
            if kind == "sym2int":
                out[f[0]] = f[1]
            else:
                out[f[1]] = f[0]
        else:
            out[f[0]] = " ".join(f[1:])
    return out


def spk2utt_lines(utt2spk_lines: Iterable[str]) -> Iterator[str]:
    """utt2spk lines -> spk2utt lines; speakers in order of first appearance (Kaldi's Perl script)."""
    order: List[str] = []
    s2u: Dict[str, List[str]] = {}
    for line in utt2spk_lines:
        f = line.split()
        if not f:
            continue
        if len(f) != 2:
            raise DataError(f"expected '<utt> <speaker>', got {line.rstrip()!r}")
        if f[1] not in s2u:
            order.append(f[1])
            s2u[f[1]] = []
        s2u[f[1]].append(f[0])
    for s in order:
        yield f"{s} {' '.join(s2u[s])}"


def utt2spk_lines(spk2utt_lines_: Iterable[str]) -> Iterator[str]:
    for line in spk2utt_lines_:
        f = line.split()
        if not f:
            continue
        for u in f[1:]:
            yield f"{u} {f[0]}"
