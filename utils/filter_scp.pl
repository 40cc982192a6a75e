#!/usr/bin/env bash
# Kaldi's utils/filter_scp.pl: same arguments and semantics; the work is in mtlhybrid/bin/filter_scp.py.
exec python3 -m mtlhybrid.bin.filter_scp "$@"
