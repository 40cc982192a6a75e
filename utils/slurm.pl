#!/usr/bin/env bash
# Kaldi's utils/slurm.pl: same arguments and semantics; the work is in mtlhybrid/bin/slurm_pl.py.
exec python3 -m mtlhybrid.bin.slurm_pl "$@"
