"""Reading and scoring lattice archives: what steps/score.sh does, CPU time per second of audio.

Usage: python -m bench.lattice_read [--out JSON] [--frames N] <lat.gz> ...

Times ``read_lattices`` (parse, topological sort, pruning) and ``sweep_best_paths``
(LM weights 7-17 x penalties 0, 0.5, 1) over the archives, one thread, and prints a
digest of all 33 x utterances hypotheses, so that two versions of the code can be
compared on the same archives: run it once as is and once with an older tree first on
the path (``PYTHONPATH=<old tree>:$PWD``; the JSON names the mtlhybrid it imported).
The audio length is the lattices' frame count (10 ms frames).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

from bench.common import finish, one_thread


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.lattice_read", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="bench/results/lattice_read.json")
    p.add_argument("lattices", nargs="+")
    a = p.parse_args(argv)
    one_thread()
    import mtlhybrid
    from mtlhybrid.decode.scoring import sweep_best_paths
    from mtlhybrid.lattice.io import read_lattices

    lats = []
    c0 = time.process_time()
    for f in a.lattices:
        lats += list(read_lattices(f))
    c1 = time.process_time()
    sw = sweep_best_paths(lats, list(range(7, 18)), [0.0, 0.5, 1.0])
    c2 = time.process_time()
    frames = sum(l.num_frames for _, l in lats)
    digest = hashlib.sha1(json.dumps(sorted((f"{k[0]}_{k[1]}", sorted(v.items())) for k, v in sw.items())).encode()).hexdigest()[:12]
    secs = frames * 0.01
    rows = [["read", c1 - c0, (c1 - c0) / secs], ["LM-weight sweep", c2 - c1, (c2 - c1) / secs], ["read + sweep", c2 - c0, (c2 - c0) / secs]]
    finish("lattice_read", a.out, {"mtlhybrid": mtlhybrid.__file__, "utterances": len(lats), "audio_seconds": secs,
                                   "arcs": sum(l.num_arcs for _, l in lats), "read_cpu": c1 - c0, "sweep_cpu": c2 - c1,
                                   "hyps_digest": digest, "archives": a.lattices}, rows, ["part", "CPU s", "RTF (CPU)"])
    print(f"hypotheses digest {digest} ({len(lats)} utterances, mtlhybrid from {mtlhybrid.__file__})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
