"""Compile phone-set questions for tree building (Kaldi's compile-questions).

  compile_questions [--context-width 3 --central-position 1] <topo> <questions.int> <questions.qst-out>

Adds the pdf-class questions {0}, {0,1}, ... from the topology."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("compile_questions")


@tool_main
def main(argv=None) -> int:
    p = make_parser("compile_questions", __doc__)
    p.add_argument("--context-width", type=int, default=3)
    p.add_argument("--central-position", type=int, default=1)
    p.add_argument("topo")
    p.add_argument("questions")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.questions import Questions, read_int_sets
    from mtlhybrid.hmm.topology import Topology

    topo = Topology.read(a.topo)
    q = Questions.from_phone_sets(read_int_sets(a.questions), topo, a.context_width, a.central_position)
    q.write(a.out)
    log.info("compiled %d phone questions and %d pdf-class questions", len(q.phone_questions), len(q.pdf_class_questions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
