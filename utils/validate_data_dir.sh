#!/usr/bin/env bash
# Kaldi's utils/validate_data_dir.sh: check a data directory (sorted unique ids, utt2spk and
# spk2utt agreement, equal utterance lists, audio present, labels utt2<name> well formed).
# The checks live in mtlhybrid/data/validate.py; every failure names the file, line and utterance.

usage() {
  cat <<USAGE
Usage: $0 [--no-feats] [--no-text] [--non-print] [--no-wav] [--no-spk-sort] [--no-check-audio] <data-dir>
The --no-xxx options mean that xxx need not be present; it is still checked if it is.
 --no-spk-sort     do not require utt2spk to be sorted by speaker as well as by utterance
 --non-print       allow non-printable characters in text
 --no-check-audio  do not check that plain-path wav.scp entries exist
e.g.: $0 --no-feats data/train
USAGE
}

opts=()
data=
for a in "$@"; do
  case "$a" in
    --help|-h) usage; exit 0 ;;
    --no-feats|--no-text|--non-print|--no-wav|--no-spk-sort|--no-check-audio) opts+=("$a") ;;
    --*) echo "$0: invalid option $a" >&2; usage >&2; exit 1 ;;
    *) if [ -n "$data" ]; then usage >&2; exit 1; fi; data=$a ;;
  esac
done
[ -z "$data" ] && { usage >&2; exit 1; }
[ ! -d "$data" ] && echo "$0: no such directory $data" >&2 && exit 1
exec python3 -m mtlhybrid.bin.validate_data_dir "${opts[@]}" "$data"
