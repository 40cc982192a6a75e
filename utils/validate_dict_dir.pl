#!/usr/bin/env bash
# Check a dict dir (python behind the Kaldi name). Usage: utils/validate_dict_dir.pl <dict-dir>
exec python3 -m mtlhybrid.bin.validate_dict_dir "$@"
