"""split_scp.pl: split an scp (or any keyed list) into N parts for N parallel jobs.

Usage: split_scp.pl [--utt2spk=<utt2spk>] <in.scp> <out1.scp> ... <outN.scp>
   or: split_scp.pl -j <num-jobs> <job-id> [--one-based] [--utt2spk=<utt2spk>] <in.scp> [<out.scp>]

Kaldi's semantics: lines stay in order and are cut into contiguous pieces, the first
``lines % N`` pieces one line longer. With --utt2spk, a speaker's lines stay in one
piece (speakers assigned in order, then moved between neighbouring pieces while that
evens out the line counts); fewer speakers than pieces is an error. With -j only piece
``job-id`` (0-based unless --one-based) is written, to <out.scp> or stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional

from mtlhybrid.utils.cli import tool_main
from mtlhybrid.utils.errors import DataError, MtlHybridError

USAGE = (
    "Usage: split_scp.pl [--utt2spk=<utt2spk_file>] in.scp out1.scp out2.scp ...\n"
    "   or: split_scp.pl -j num-jobs job-id [--one-based] [--utt2spk=<utt2spk_file>] in.scp [out.scp]\n"
    " ... where 0 <= job-id < num-jobs, or 1 <= job-id <= num-jobs if --one-based."
)


def split_lines(lines: List[str], n: int) -> List[List[str]]:
    """Contiguous pieces; the first ``len % n`` get one extra line."""
    if not lines:
        raise DataError("empty input scp")
    per = len(lines) // n
    if per < 1:
        raise DataError(f"splitting {len(lines)} lines into {n} pieces: reduce the number of jobs to at most {len(lines)}")
    rem = len(lines) - per * n
    out, pos = [], 0
    for i in range(n):
        k = per + (1 if i < rem else 0)
        out.append(lines[pos : pos + k])
        pos += k
    return out


def split_by_speaker(lines: List[str], utt2spk: Dict[str, str], n: int, scp_name: str = "scp") -> List[List[str]]:
    """Pieces that never split a speaker, balanced by line count as Kaldi's split_scp.pl."""
    spk_order: List[str] = []
    spk_lines: Dict[str, List[str]] = {}
    for i, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            raise DataError("empty or space-only line", path=scp_name, line=i)
        spk = utt2spk.get(fields[0])
        if spk is None:
            raise DataError("utterance is not in the utt2spk file", path=scp_name, line=i, utt=fields[0])
        if spk not in spk_lines:
            spk_order.append(spk)
            spk_lines[spk] = []
        spk_lines[spk].append(line)
    nspk = len(spk_order)
    if nspk < n:
        raise DataError(f"refusing to split: {nspk} speakers is fewer than the {n} output files")
    pieces: List[List[str]] = [[] for _ in range(n)]
    counts = [0] * n
    for k, spk in enumerate(spk_order):
        i = (k * n) // nspk
        pieces[i].append(spk)
        counts[i] += len(spk_lines[spk])
    changed = True
    while changed:  # move boundary speakers while that makes neighbours more even
        changed = False
        for i in range(n):
            if i < n - 1 and pieces[i]:
                c = len(spk_lines[pieces[i][-1]])
                if abs((counts[i + 1] + c) - (counts[i] - c)) < abs(counts[i + 1] - counts[i]):
                    pieces[i + 1].insert(0, pieces[i].pop())
                    counts[i + 1] += c
                    counts[i] -= c
                    changed = True
            if i > 0 and pieces[i]:
                c = len(spk_lines[pieces[i][0]])
                if abs((counts[i] - c) - (counts[i - 1] + c)) < abs(counts[i] - counts[i - 1]):
                    pieces[i - 1].append(pieces[i].pop(0))
                    counts[i - 1] += c
                    counts[i] -= c
                    changed = True
    return [[ln for spk in piece for ln in spk_lines[spk]] for piece in pieces]


def _read_utt2spk(path: str) -> Dict[str, str]:
    from mtlhybrid.utils.io import iter_lines

    out = {}
    for lineno, line in iter_lines(path):
        f = line.split()
        if len(f) != 2:
            raise DataError(f"bad line {line!r}", path=path, line=lineno)
        out[f[0]] = f[1]
    return out


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    num_jobs, job_id, one_based, utt2spk_file = 0, 0, False, None
    for _ in range(3):
        if args and args[0] == "-j":
            if len(args) < 3:
                print(USAGE, file=sys.stderr)
                return 1
            try:
                num_jobs, job_id = int(args[1]), int(args[2])
            except ValueError:
                raise MtlHybridError(f"split_scp.pl: -j needs two integers, got {args[1]!r} {args[2]!r}")
            args = args[3:]
        if args and args[0].startswith("--utt2spk="):
            utt2spk_file = args.pop(0).split("=", 1)[1]
        if args and args[0] == "--one-based":
            one_based = True
            args.pop(0)
    if num_jobs != 0:
        idx = job_id - (1 if one_based else 0)
        if num_jobs < 0 or idx < 0 or idx >= num_jobs:
            raise MtlHybridError(f"split_scp.pl: invalid job number/index values for '-j {num_jobs} {job_id}'")
    if (num_jobs == 0 and len(args) < 2) or (num_jobs > 0 and not 1 <= len(args) <= 2):
        print(USAGE, file=sys.stderr)
        return 1
    in_scp = args.pop(0)
    if not Path(in_scp).is_file():
        raise DataError("no such file", path=in_scp)
    if num_jobs == 0:
        outputs = args
    else:
        target = args[0] if args else "-"
        outputs = [target if j == idx else None for j in range(num_jobs)]  # type: ignore[misc]
    with open(in_scp, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if not lines:
        raise DataError("empty input scp", path=in_scp)
    if utt2spk_file:
        pieces = split_by_speaker(lines, _read_utt2spk(utt2spk_file), len(outputs), in_scp)
    else:
        pieces = split_lines(lines, len(outputs))
    from mtlhybrid.utils.io import atomic_write

    for out, piece in zip(outputs, pieces):
        if out is None:
            continue
        if out == "-":
            sys.stdout.write("".join(piece))
        else:
            with atomic_write(out) as f:
                f.write("".join(piece))
    return 0


if __name__ == "__main__":
    sys.exit(main())
