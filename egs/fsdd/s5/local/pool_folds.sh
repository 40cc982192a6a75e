#!/usr/bin/env bash
# Leave-one-speaker-out: the matched-pairs test of two network systems pooled over the folds.
# Each fold (exp/loso_<spk>) decoded its held-out speaker with <baseline>_s<seed> and
# <system>_s<seed>; every fold and seed is one pair of decode dirs, so the speaker-block
# bootstrap of steps/compare_systems.sh resamples the held-out speakers (one block per fold,
# all its seeds) and MAPSSWE pools the segments. Prints the markdown table (relative WER
# change, 95% interval, p-values); --json keeps the numbers. Folds missing either system's
# scored decode dir are left out, and named.

test_set=test
seeds=1
tune_set=none          # FSDD has no dev set: each decode dir at its own best LM weight (both systems alike)
resamples=10000
json=

help_message="Usage: $0 [options] <baseline> <system> <fold-exp-dir> [<fold-exp-dir> ...]
 e.g.: $0 --seeds '1 2 3' nnet_base nnet_mtl exp/loso_*
Options:
  --test-set <set>       # decode_<set> of each fold ($test_set)
  --seeds '<s> ...'      # seeds of <baseline>_s<seed> and <system>_s<seed> ('$seeds')
  --tune-set <set|none>  # sibling decode_<set> whose best LM weight applies ($tune_set)
  --resamples <n>        # bootstrap resamples ($resamples)
  --json <file>          # also write the numbers as JSON"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# -lt 3 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
baseline=$1
system=$2
shift 2

a_dirs=; b_dirs=; used=0; missing=()
for fold in "$@"; do
  for s in $seeds; do
    a=$fold/${baseline}_s$s/decode_$test_set
    b=$fold/${system}_s$s/decode_$test_set
    if [ -f $a/scoring_kaldi/best_wer ] && [ -f $b/scoring_kaldi/best_wer ]; then
      a_dirs=$a_dirs${a_dirs:+,}$a
      b_dirs=$b_dirs${b_dirs:+,}$b
      used=$((used + 1))
    else
      missing+=("$(basename $fold) seed $s")
    fi
  done
done
[ ${#missing[@]} -gt 0 ] && echo "$0: left out (no scored decode_$test_set of $baseline or $system): ${missing[*]}" >&2
if [ $used -eq 0 ]; then
  echo "$0: no fold has both $baseline and $system decoded on $test_set" >&2
  exit 1
fi
echo "$0: $used fold-seed pairs of $baseline and $system on $test_set" >&2
opts=(--names $baseline,$system --tune-set $tune_set --resamples $resamples)
[ -n "$json" ] && opts+=(--json "$json")
python3 -m mtlhybrid.bin.compare_systems "${opts[@]}" $a_dirs $b_dirs
