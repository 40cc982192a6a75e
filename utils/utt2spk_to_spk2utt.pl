#!/usr/bin/env bash
# Kaldi's utils/utt2spk_to_spk2utt.pl: same arguments and semantics; the work is in mtlhybrid/bin/utt2spk_to_spk2utt.py.
exec python3 -m mtlhybrid.bin.utt2spk_to_spk2utt "$@"
