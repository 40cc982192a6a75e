#!/usr/bin/env bash
# Kaldi's utils/run.pl: same arguments and semantics; the work is in mtlhybrid/jobs/ (entry point mtlhybrid/bin/run_pl.py).
exec python3 -m mtlhybrid.bin.run_pl "$@"
