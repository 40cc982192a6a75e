#!/usr/bin/env bash
# Kaldi's utils/fix_data_dir.sh: keep only the utterances present in every file that needs
# them, sort everything, regenerate spk2utt, drop unusable lines (counted by reason);
# the original files are kept in <data>/.backup. Work: mtlhybrid/data/fix.py.

utt_extra_files=
spk_extra_files=
help_message="Usage: $0 [--utt-extra-files 'f1 f2'] [--spk-extra-files 'f1 f2'] <data-dir>
e.g.: $0 data/train
Makes sure the files of a data directory are sorted and agree on their utterances and
speakers, removing what cannot be kept (every utt2<name> label file is filtered too)."
. "$(dirname "$0")/parse_options.sh" || exit 1

if [ $# -ne 1 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
data=$1
[ ! -d "$data" ] && echo "$0: no such directory $data" >&2 && exit 1
[ ! -f "$data/utt2spk" ] && echo "$0: no such file $data/utt2spk" >&2 && exit 1
exec python3 -m mtlhybrid.bin.fix_data_dir --utt-extra-files="$utt_extra_files" --spk-extra-files="$spk_extra_files" "$data"
