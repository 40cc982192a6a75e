#!/usr/bin/env bash
# Kaldi's utils/sym2int.pl: same arguments and semantics; the work is in mtlhybrid/bin/sym2int.py.
exec python3 -m mtlhybrid.bin.sym2int "$@"
