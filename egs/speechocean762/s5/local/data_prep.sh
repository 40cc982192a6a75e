#!/usr/bin/env bash
# speechocean762 data preparation: reads the corpus's train/ (and test/ when present) and
# writes validated Kaldi data dirs <data-dir>/{train,dev}[,test] with spk2gender,
# utt2gender and utt2age_group (child at 15 or under, adult): dev holds whole training
# speakers, the same number from each (age group, gender).
# The work is in mtlhybrid/corpora/speechocean762.py.

dev_per_group=4          # dev speakers from each (age group, gender) of train/
dev_speakers=            # or exactly these (space-separated)
seed=0                   # seed of the dev speakers' draw
max_speakers_per_group=  # keep the first n speakers of each group: quick runs
help_message="Usage: $0 [options] <corpus-dir> <data-dir>
 <corpus-dir> holds train/ (text, wav.scp, utt2spk, spk2age, spk2gender), WAVE/ and, optionally, test/
 e.g.: $0 ../../../../shared/data/speechocean762 data
Options:
  --dev-per-group <n>            (default: $dev_per_group)
  --dev-speakers '<spk> ...'     (default: a seeded draw)
  --seed <n>                     (default: $seed)
  --max-speakers-per-group <n>   (default: all)"
[ -f ./path.sh ] && . ./path.sh
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
corpus=$1
data=$2

[ ! -f "$corpus/train/wav.scp" ] && echo "$0: no such file $corpus/train/wav.scp" >&2 && exit 1
set -e
opts=(--dev-per-group "$dev_per_group" --dev-speakers "$dev_speakers" --seed "$seed")
[ -n "$max_speakers_per_group" ] && opts+=(--max-speakers-per-group "$max_speakers_per_group")
# The tool validates each data dir it writes (utils/validate_data_dir.sh --no-feats).
python3 -m mtlhybrid.bin.speechocean762_data_prep "${opts[@]}" "$corpus" "$data"
echo "$0: speechocean762 data prepared in $data"
