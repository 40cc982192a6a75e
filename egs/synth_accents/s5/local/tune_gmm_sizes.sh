#!/usr/bin/env bash
# The GMM sizes of this recipe chosen on dev (issue 16 item 3): steps/tune_gmm_size.sh trains
# the monophone system at each mono size (run.sh's subset and schedule) and tri1 at each
# leaves:Gaussians size (run.sh's schedule, from run.sh's exp/mono_ali), decodes dev with each
# and writes results/gmm_sizes.md. Runs after ./run.sh --stop-stage 3 (data, features, lang,
# exp/mono_ali); the systems go to exp/tune/. Test sets are not decoded: sizes are chosen on
# dev only.
. ./cmd.sh
. ./path.sh
nj=2
mono_sizes="500 1000 2000"
tri1_sizes="300:2000 600:4000 1200:8000"
mono_iters=16
mono_realign="1 2 3 5 8 12"
tri1_iters=12
tri1_realign="4 8"
out=results/gmm_sizes.md
help_message="Usage: $0 [options]
Options (default):
  --mono-sizes '<n> ...'       monophone Gaussians ('$mono_sizes')
  --tri1-sizes '<l:g> ...'     tri1 leaves:Gaussians ('$tri1_sizes')
  --nj <n>                     parallel jobs ($nj)"
. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
for f in data/train_mono/feats.scp data/train/feats.scp data/dev/feats.scp data/lang_test/G.fst exp/mono_ali/ali.1.gz; do
  [ ! -f $f ] && echo "$0: no such file $f (run ./run.sh --stop-stage 3 first)" >&2 && exit 1
done
steps/tune_gmm_size.sh --cmd "$train_cmd" --nj $nj \
  --train-opts "--num-iters $mono_iters --realign-iters '$mono_realign' --max-iter-inc $((mono_iters - 5))" \
  mono "$mono_sizes" data/train_mono data/dev data/lang data/lang_test - exp/tune/mono
steps/tune_gmm_size.sh --cmd "$train_cmd" --nj $nj \
  --train-opts "--num-iters $tri1_iters --realign-iters '$tri1_realign' --max-iter-inc $((tri1_iters - 5))" \
  deltas "$tri1_sizes" data/train data/dev data/lang data/lang_test exp/mono_ali exp/tune/tri1
mkdir -p $(dirname $out)
{
  echo "# GMM sizes on dev"
  echo
  echo '```'
  cat exp/tune/mono_sizes/wer.txt
  echo
  cat exp/tune/tri1_sizes/wer.txt
  echo '```'
} > $out.tmp
mv $out.tmp $out
cat $out
