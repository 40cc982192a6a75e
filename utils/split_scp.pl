#!/usr/bin/env bash
# Kaldi's utils/split_scp.pl: same arguments and semantics; the work is in mtlhybrid/bin/split_scp.py.
exec python3 -m mtlhybrid.bin.split_scp "$@"
