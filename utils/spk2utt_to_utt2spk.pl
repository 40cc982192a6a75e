#!/usr/bin/env bash
# Kaldi's utils/spk2utt_to_utt2spk.pl: same arguments and semantics; the work is in mtlhybrid/bin/spk2utt_to_utt2spk.py.
exec python3 -m mtlhybrid.bin.spk2utt_to_utt2spk "$@"
