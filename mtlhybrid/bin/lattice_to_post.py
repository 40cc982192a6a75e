"""lattice_to_post: per-frame transition-id posteriors from lattices (Kaldi's lattice-to-post).

Usage: lattice_to_post [options] <lattice-rspecifier> <posteriors-wspecifier>

Output is Kaldi's text posterior format: ``utt [ tid post tid post ... ] [ ... ]``, one
bracket per frame.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("lattice_to_post")


@tool_main
def main(argv=None):
    p = make_parser("lattice_to_post", __doc__)
    p.add_argument("--acoustic-scale", type=float, default=1.0)
    p.add_argument("--lm-scale", type=float, default=1.0)
    p.add_argument("lats")
    p.add_argument("post_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.lattice.functions import forward_backward
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.kaldi_io import write_text_wspecifier

    rows = []
    tot, frames = 0.0, 0
    for utt, lat in read_lattices(a.lats):
        post = forward_backward(lat, a.acoustic_scale, a.lm_scale)
        tot += post.total_log_like
        frames += post.num_frames
        parts = []
        for fr in post.per_frame():
            parts.append("[ " + " ".join(f"{t} {p:.6g}" for t, p in sorted(fr.items())) + " ]")
        rows.append(f"{utt} {' '.join(parts)}".rstrip())
    write_text_wspecifier(a.post_wspecifier, rows)
    logger.info("posteriors of %d lattices; average log-likelihood per frame %.4f over %d frames", len(rows), tot / max(1, frames), frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
