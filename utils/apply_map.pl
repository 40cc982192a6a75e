#!/usr/bin/env bash
# Kaldi's utils/apply_map.pl: same arguments and semantics; the work is in mtlhybrid/bin/apply_map.py.
exec python3 -m mtlhybrid.bin.apply_map "$@"
