#!/usr/bin/env bash
# Compares two or more systems decoded on the same test set: WER pooled over seeds and,
# against the first system, the relative WER change with a 95% interval and p-value from a
# speaker-block bootstrap, and the MAPSSWE p-value. Each system is a decode dir or a
# comma-separated list of them (one per seed, paired by position). Every decode dir is read
# at the LM weight and penalty that were best on its sibling decode_<tune-set>.
# The work is in mtlhybrid.score.compare (python -m mtlhybrid.bin.compare_systems).

# Begin configuration section.
names=
tune_set=dev
resamples=10000
json=
# End configuration section.

help_message="Usage: $0 [options] <decode-dirs-1> <decode-dirs-2> [<decode-dirs-3> ...]
 e.g.: $0 --names base,mtl exp/nnet_base_s1/decode_test_unseen,exp/nnet_base_s2/decode_test_unseen \\
          exp/nnet_mtl_s1/decode_test_unseen,exp/nnet_mtl_s2/decode_test_unseen
options:
  --names <a,b,...>      # system names (default: the experiment dir names)
  --tune-set <set|none>  # sibling decode_<set> whose best LM weight and penalty apply (default $tune_set)
  --resamples <n>        # bootstrap resamples (default $resamples)
  --json <file>          # also write the numbers as JSON"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "$help_message" >&2
  exit 1
fi

for sys in "$@"; do
  for d in ${sys//,/ }; do
    [ ! -d $d ] && echo "$0: no such decode dir $d" >&2 && exit 1
  done
done
opts=(--tune-set $tune_set --resamples $resamples)
[ -n "$names" ] && opts+=(--names "$names")
[ -n "$json" ] && opts+=(--json "$json")
python3 -m mtlhybrid.bin.compare_systems "${opts[@]}" "$@"
