#!/usr/bin/env bash
# Check a lang dir (python behind the Kaldi name). Usage: utils/validate_lang.pl [--skip-fst-checks] <lang-dir>
exec python3 -m mtlhybrid.bin.validate_lang "$@"
