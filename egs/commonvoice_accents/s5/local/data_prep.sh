#!/usr/bin/env bash
# Common Voice data preparation: reads <lang>/{train,dev,test}.tsv of a release with lhotse's
# Common Voice parser and writes validated Kaldi data dirs <data-dir>/{train,dev,test} (and
# test_unseen with --heldout-accents), with utt2accent from the TSVs' accent(s) column.
# The work is in mtlhybrid/corpora/commonvoice.py.

lang=en
train_tsv=train        # train, or validated (every validated clip of a non-dev/test speaker)
heldout_accents=       # accent labels kept out of training, e.g. "scotland,african"
accent_map=            # file of '<raw accent><TAB><label>' lines
multi_accent=first     # clips with several accents: first (its label) or skip (no label)
manifest_dir=
help_message="Usage: $0 [options] <corpus-dir> <data-dir>
 <corpus-dir> is a release folder holding <lang>/clips and <lang>/{train,dev,test}.tsv
 e.g.: $0 --heldout-accents scotland corpus/cv-corpus-13.0-2023-03-09 data
Options:
  --lang <code>                  (default: $lang)
  --train-tsv train|validated    (default: $train_tsv)
  --heldout-accents <a,b>        accents only in test_unseen (default: none)
  --accent-map <file>            raw accent -> label overrides
  --multi-accent first|skip      (default: $multi_accent)
  --manifest-dir <dir>           also write lhotse manifests there"
[ -f ./path.sh ] && . ./path.sh
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
corpus=$1
data=$2

langdir=$corpus/$lang
[ ! -d "$langdir/clips" ] && [ -d "$corpus/clips" ] && langdir=$corpus
[ ! -d "$langdir/clips" ] && echo "$0: no such directory $corpus/$lang/clips" >&2 && exit 1
for f in dev test $train_tsv; do
  [ ! -f "$langdir/$f.tsv" ] && echo "$0: no such file $langdir/$f.tsv" >&2 && exit 1
done
set -e
opts=(--lang "$lang" --train-tsv "$train_tsv" --heldout-accents "$heldout_accents" --multi-accent "$multi_accent")
[ -n "$accent_map" ] && opts+=(--accent-map "$accent_map")
[ -n "$manifest_dir" ] && opts+=(--manifest-dir "$manifest_dir")
# The tool validates each data dir it writes (utils/validate_data_dir.sh --no-feats).
python3 -m mtlhybrid.bin.commonvoice_data_prep "${opts[@]}" "$corpus" "$data"
echo "$0: Common Voice ($lang) data prepared in $data"
