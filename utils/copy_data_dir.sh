#!/usr/bin/env bash
# Kaldi's utils/copy_data_dir.sh: copy a data directory, optionally renaming utterances and
# speakers with prefixes/suffixes; every table, label files included, is copied and the
# copy is validated. Work: mtlhybrid/data/copy.py.

utt_prefix=
utt_suffix=
spk_prefix=
spk_suffix=
validate_opts=   # e.g. "--no-text"
help_message="Usage: $0 [options] <srcdir> <destdir>
 --utt-prefix=<prefix>     Prefix for utterance ids, default empty
 --utt-suffix=<suffix>     Suffix for utterance ids, default empty
 --spk-prefix=<prefix>     Prefix for speaker ids, default empty
 --spk-suffix=<suffix>     Suffix for speaker ids, default empty
 --validate-opts=<opts>    Options for validating the copy, e.g. '--no-text'
e.g.: $0 --spk-prefix=1- --utt-prefix=1- data/train data/train_1"
. "$(dirname "$0")/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
srcdir=$1
destdir=$2
[ ! -f "$srcdir/utt2spk" ] && echo "$0: no such file $srcdir/utt2spk" >&2 && exit 1
exec python3 -m mtlhybrid.bin.copy_data_dir --utt-prefix="$utt_prefix" --utt-suffix="$utt_suffix" \
  --spk-prefix="$spk_prefix" --spk-suffix="$spk_suffix" --validate-opts="$validate_opts" "$srcdir" "$destdir"
