#!/usr/bin/env bash
# Adapts a trained network to a new corpus: keeps its shared layers, gives the new corpus's
# tree (from <ali-dir>) a new senone head, keeps auxiliary heads whose labels the new data
# has, and fine-tunes with the multi-task trainer (python -m mtlhybrid.bin.nnet_adapt).
# Options freeze the first layers, lower the learning rate, and regularize toward the
# source (L2-SP on shared weights, KL on the outputs of heads with identical classes).
# <exp-dir> is laid out as train_mtl.sh leaves it (new tree, final.mdl, phones.txt, priors
# from the new alignments, feature config), so steps/nnet/decode.sh uses it unchanged.

# Begin configuration section.
cmd=run.pl
stage=0
device=cpu
freeze_layers=0        # keep the first K shared layers fixed
lr=                    # learning rate (default: the source config's)
kl_weight=0.0          # KL toward the source's outputs on heads with identical classes
l2_weight=0.0          # L2 toward the source's shared weights (L2-SP)
num_utts_per_spk=0     # >0: adapt on only this many utterances per speaker
valid_data=
valid_ali=
cmvn_opts=             # default: the source dir's cmvn_opts
delta_order=
overwrite=false        # true: start over in an <exp-dir> adapted with other options
# End configuration section.
sets=()

echo "$0 $*"
help_message="Usage: $0 [options] <src-model-dir> <data> <lang> <ali-dir> <exp-dir>
 e.g.: $0 --freeze-layers 2 --lr 0.0003 --kl-weight 0.5 exp/synth/mtl data/fsdd_train data/fsdd_lang exp/fsdd/tri1_ali exp/fsdd/mtl_adapt
Options:
  --freeze-layers <k>        # keep the first k shared layers fixed (default $freeze_layers)
  --lr <float>               # learning rate (default: the source config's)
  --kl-weight <float>        # KLD adaptation toward the source's outputs (default $kl_weight)
  --l2-weight <float>        # L2-SP toward the source's shared weights (default $l2_weight)
  --num-utts-per-spk <n>     # adapt on n utterances per speaker (default: all)
  --set <key=value>          # override a config value, e.g. --set train.epochs=3 (repeatable)
  --valid-data <dir> --valid-ali <dir>   # held-out data for validation/early stopping
  --device <cpu|cuda>        # (default $device)
  --stage <n>                # (default $stage)
  --overwrite <true|false>   # start over in a dir adapted with other options or config (default $overwrite:
                             # such a rerun is refused, naming each change as key: old -> new)
  --cmd <cmd>                # (default $cmd)"

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --set) [ $# -lt 2 ] && { echo "$0: --set needs a value" >&2; exit 1; }; sets+=(--set "$2"); shift 2 ;;
    --set=*) sets+=(--set "${1#--set=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]}"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 5 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
srcdir=$1
data=$2
lang=$3
alidir=$4
dir=$5
py="python3 -m mtlhybrid.bin"

for f in $srcdir/final.pt $data/feats.scp $data/utt2spk $lang/phones.txt $alidir/final.mdl $alidir/tree $alidir/ali.1.gz; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
[ -z "$cmvn_opts" ] && cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
if [ -z "$delta_order" ]; then
  [ -f $srcdir/delta_opts ] && delta_order=$(sed -n 's/.*--delta-order[= ]\([0-9]*\).*/\1/p' $srcdir/delta_opts | head -n 1)
  [ -z "$delta_order" ] && delta_order=0
fi
utils/check_phones_compatible.sh $lang/phones.txt $alidir/phones.txt
mkdir -p $dir/log $dir/conf

train_data=$data
if [ $stage -le 0 ]; then
  cp $alidir/tree $alidir/final.mdl $dir/
  cp $lang/phones.txt $dir/phones.txt
  rm -f $dir/conf/fbank.conf $dir/conf/mfcc.conf
  for k in fbank mfcc; do
    if [ -f $data/conf/$k.conf ]; then
      cp $data/conf/$k.conf $dir/conf/
      if [ -f $srcdir/conf/$k.conf ] && ! cmp -s $data/conf/$k.conf $srcdir/conf/$k.conf; then
        echo "$0: warning: $data/conf/$k.conf differs from the source network's $srcdir/conf/$k.conf" >&2
      fi
    fi
  done
  echo "$cmvn_opts" > $dir/cmvn_opts
  echo "--delta-order $delta_order" > $dir/delta_opts
  echo "$srcdir" > $dir/source_dir
  if [ $num_utts_per_spk -gt 0 ]; then
    utils/subset_data_dir.sh --per-spk $data $num_utts_per_spk $dir/data/train > $dir/log/subset.log 2>&1 \
      || { cat $dir/log/subset.log >&2; exit 1; }
  fi
fi
[ $num_utts_per_spk -gt 0 ] && train_data=$dir/data/train
valid_opts=()
[ -n "$valid_data" ] && valid_opts=(--valid-data $valid_data --valid-ali ${valid_ali:?--valid-data needs --valid-ali})
lr_opts=()
[ -n "$lr" ] && lr_opts=(--lr $lr)

if [ $stage -le 1 ]; then
  $cmd $dir/log/compute_prior.log $py.nnet_compute_prior $alidir $dir/ali_train_pdf.counts
fi

if [ $stage -le 2 ]; then
  if $overwrite; then rm -f $dir/last.pt $dir/epoch*.pt $dir/final.pt $dir/train_log.csv; fi
  echo "$0: fine-tuning $srcdir/final.pt on $train_data (log: $dir/log/adapt.log)"
  $cmd $dir/log/adapt.log $py.nnet_adapt $srcdir/final.pt $dir --data $train_data --ali $alidir --lang $lang \
    "${valid_opts[@]}" "${lr_opts[@]}" --freeze-layers $freeze_layers --kl-weight $kl_weight --l2-weight $l2_weight \
    "${sets[@]}" --device $device $cmvn_opts --delta-order $delta_order \
    || { echo "$0: adaptation failed; see $dir/log/adapt.log" >&2; tail -n 5 $dir/log/adapt.log >&2; exit 1; }
fi

if [ $stage -le 3 ]; then
  $py.nnet_check_dir $dir
  $py.nnet_info $dir/final.pt > $dir/log/info.log
  echo "$0: wrote $dir/final.pt"
fi
