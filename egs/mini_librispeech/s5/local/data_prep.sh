#!/usr/bin/env bash
# Mini LibriSpeech data preparation: runs lhotse's LibriSpeech recipe on the corpus and
# writes validated Kaldi data dirs <data-dir>/train_clean_5 and <data-dir>/dev_clean_2
# (wav.scp pointing at the .flac files, text, utt2spk, spk2utt, spk2gender, utt2dur and,
# with --gender-label true, utt2gender for an auxiliary task).
# The work is in mtlhybrid/corpora/mini_librispeech.py.

speaker_unit=reader    # reader, or chapter (<reader>-<chapter>, as Kaldi's recipe)
gender_label=true      # write utt2gender (LibriSpeech has no accent labels)
manifest_dir=          # keep lhotse's manifests here (reused when rerun)
nj=1                   # threads reading audio headers
download=false         # fetch the corpus with lhotse first (needs a network)
help_message="Usage: $0 [options] <corpus-dir> <data-dir>
 <corpus-dir> is the LibriSpeech/ folder holding train-clean-5/ and dev-clean-2/
 e.g.: $0 corpus/LibriSpeech data
Options:
  --speaker-unit reader|chapter  (default: $speaker_unit)
  --gender-label true|false      write utt2gender (default: $gender_label)
  --manifest-dir <dir>           keep lhotse's manifests there
  --nj <n>                       threads reading audio headers (default: $nj)
  --download true|false          download with lhotse first (default: $download)"
[ -f ./path.sh ] && . ./path.sh
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
corpus=$1
data=$2

if ! $download; then
  for p in train-clean-5 dev-clean-2; do
    [ ! -d "$corpus/$p" ] && echo "$0: no such directory $corpus/$p" >&2 && exit 1
  done
fi
set -e
opts=(--speaker-unit "$speaker_unit" --nj "$nj")
$gender_label && opts+=(--gender-label)
$download && opts+=(--download)
[ -n "$manifest_dir" ] && opts+=(--manifest-dir "$manifest_dir")
# The tool validates each data dir it writes (utils/validate_data_dir.sh --no-feats).
python3 -m mtlhybrid.bin.mini_librispeech_data_prep "${opts[@]}" "$corpus" "$data"
echo "$0: Mini LibriSpeech data prepared in $data"
