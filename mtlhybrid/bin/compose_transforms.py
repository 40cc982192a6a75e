"""compose-transforms: the matrix that applies <b> first, then <a> (global matrices or per-speaker archives).

Usage: python -m mtlhybrid.bin.compose_transforms [--b-is-affine] <a> <b> <out>
  e.g. python -m mtlhybrid.bin.compose_transforms exp/tri2b/2.mat.new exp/tri2b/0.mat exp/tri2b/2.mat
       python -m mtlhybrid.bin.compose_transforms --b-is-affine ark:trans.tmp.1 ark:trans.1 ark:trans.1.new

An argument starting with ``ark:`` is a per-speaker archive (as trans.JOB); a plain path
is one Kaldi matrix, applied to every speaker when the other side is an archive.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("compose_transforms", __doc__)
    p.add_argument("--b-is-affine", default="false", choices=["true", "false"], help="b's last column is an offset")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("out")
    args = p.parse_args(argv)

    from mtlhybrid.transform.io import compose_transforms, read_matrix, read_transforms, write_matrix, write_transforms
    from mtlhybrid.utils.errors import DataError

    affine = args.b_is_affine == "true"
    is_ark = [s.startswith("ark") for s in (args.a, args.b, args.out)]
    if not any(is_ark):
        write_matrix(args.out, compose_transforms(read_matrix(args.a), read_matrix(args.b), affine))
        return 0
    if not is_ark[2]:
        raise DataError(f"composing a per-speaker archive needs an archive output (ark:...), got {args.out!r}")
    a = read_transforms(args.a) if is_ark[0] else None
    b = read_transforms(args.b) if is_ark[1] else None
    keys = list(a if a is not None else b)
    if a is not None and b is not None and set(a) != set(b):
        raise DataError(f"the archives have different speakers: {sorted(set(a) ^ set(b))[:5]}")
    a_mat = None if a is not None else read_matrix(args.a)
    b_mat = None if b is not None else read_matrix(args.b)
    write_transforms(args.out, ((k, compose_transforms(a[k] if a is not None else a_mat, b[k] if b is not None else b_mat, affine))
                                for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
