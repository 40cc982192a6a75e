#!/usr/bin/env bash
# Kaldi's utils/int2sym.pl: same arguments and semantics; the work is in mtlhybrid/bin/int2sym.py.
exec python3 -m mtlhybrid.bin.int2sym "$@"
