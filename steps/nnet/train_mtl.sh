#!/usr/bin/env bash
# Trains the multi-task hybrid network on a data dir and the alignments of a GMM system,
# as Kaldi's nnet training scripts: stage 0 prepares <exp-dir> (copies of the tree,
# transition model, phones.txt, the config, the feature config and CMVN options, so that
# decoding needs only <exp-dir>; optionally a held-out speaker subset), stage 1 counts pdfs
# for the priors (nnet_compute_prior), stage 2 trains (nnet_train, or torchrun with DDP),
# stage 3 checks <exp-dir>/final.pt. Training resumes from <exp-dir>/last.pt when rerun
# with the same config; another config is refused (naming the changes) unless --overwrite true.
# A single-task baseline is the same script with --config mtlhybrid/nnet/configs/single_task.yaml.

# Begin configuration section.
cmd=run.pl
stage=0
device=cpu             # cpu, cuda or cuda:N
nj_torchrun=1          # >1: distributed data parallel over this many processes (gloo on CPU, nccl on CUDA)
valid_data=            # held-out data dir (with --valid-ali)
valid_ali=             # alignment dir of --valid-data
valid_num_spk=auto     # hold out this many speakers of <data> (their alignments are in <ali-dir>) to select
                       # the model on; auto: a tenth of the speakers (none below 10 speakers); 0: none
cmvn_opts="--apply-cmvn true --norm-vars false"
delta_order=0
overwrite=false        # true: start over in an <exp-dir> that holds checkpoints of another config
# End configuration section.
# Handled here, not by parse_options.sh: --config <yaml> (parse_options would source it as
# shell), and the repeatable --set KEY=VALUE and --extra-ali NAME=DIR.
mtl_config=steps/../mtlhybrid/nnet/configs/mtl_example.yaml  # steps/ links into the repository
sets=()
extra_alis=()

echo "$0 $*"
help_message="Usage: $0 [options] <data> <lang> <ali-dir> <exp-dir>
 e.g.: $0 --config conf/mtl.yaml data/train data/lang exp/tri2_ali exp/mtl
Trains the network on <data> (feats.scp, cmvn.scp, utt2<label> for label tasks) with senone,
phone and phone-state targets from <ali-dir> (ali.*.gz, final.mdl, tree) and writes <exp-dir>/final.pt.
Options:
  --config <yaml>              # tasks/model/training config (default: mtlhybrid/nnet/configs/mtl_example.yaml)
  --set <key=value>            # override a config value, e.g. --set train.epochs=5 (repeatable)
  --extra-ali <name=dir>       # another alignment dir, for tasks with 'ali: <name>' (repeatable)
  --valid-data <dir>           # held-out data dir ...
  --valid-ali <dir>            # ... and its alignments
  --valid-num-spk <n|auto>     # or: hold out n speakers of <data> for model selection (default $valid_num_spk:
                               # a tenth of the speakers, none below 10 speakers; 0: no validation)
  --device <cpu|cuda>          # (default $device)
  --nj-torchrun <n>            # train with n DDP processes through torchrun (default $nj_torchrun)
  --cmvn-opts <opts>           # (default '$cmvn_opts')
  --delta-order <n>            # (default $delta_order)
  --stage <n>                  # resume from this stage (default $stage)
  --overwrite <true|false>     # start over in a dir trained with another config (default $overwrite: such a
                               # rerun is refused, naming each changed setting as key: old -> new)
  --cmd <cmd>                  # run.pl, slurm.pl, queue.pl (default $cmd)"

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -lt 2 ] && { echo "$0: --config needs a value" >&2; exit 1; }; mtl_config=$2; shift 2 ;;
    --config=*) mtl_config=${1#--config=}; shift ;;
    --set) [ $# -lt 2 ] && { echo "$0: --set needs a value" >&2; exit 1; }; sets+=(--set "$2"); shift 2 ;;
    --set=*) sets+=(--set "${1#--set=}"); shift ;;
    --extra-ali) [ $# -lt 2 ] && { echo "$0: --extra-ali needs a value" >&2; exit 1; }; extra_alis+=("$2"); shift 2 ;;
    --extra-ali=*) extra_alis+=("${1#--extra-ali=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]}"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 4 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi

data=$1
lang=$2
alidir=$3
dir=$4
py="python3 -m mtlhybrid.bin"

for f in $mtl_config $data/feats.scp $data/utt2spk $lang/phones.txt $alidir/final.mdl $alidir/tree $alidir/ali.1.gz; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
case "$cmvn_opts" in *"--apply-cmvn false"*|*"--apply-cmvn=false"*) ;;
  *) [ ! -f $data/cmvn.scp ] && echo "$0: no such file $data/cmvn.scp (or give --cmvn-opts '--apply-cmvn false')" >&2 && exit 1 ;;
esac
ali_opts=()
for a in "${extra_alis[@]}"; do
  name=${a%%=*}; d=${a#*=}
  { [ "$name" == "$a" ] || [ -z "$name" ]; } && echo "$0: --extra-ali expects NAME=DIR, got '$a'" >&2 && exit 1
  [ ! -f $d/final.mdl ] && echo "$0: no such file $d/final.mdl" >&2 && exit 1
  ali_opts+=(--ali "$name=$d")
done
if [ -n "$valid_data" ] && [ -z "$valid_ali" ]; then
  echo "$0: --valid-data needs --valid-ali" >&2; exit 1
fi
if [ "$valid_num_spk" == auto ]; then
  if [ -n "$valid_data" ]; then
    valid_num_spk=0
  else
    nspk=$(awk '{print $2}' $data/utt2spk | sort -u | wc -l)
    valid_num_spk=$((nspk / 10))
    echo "$0: --valid-num-spk auto: $valid_num_spk of $nspk speakers held out for model selection"
    [ $valid_num_spk -eq 0 ] && echo "$0: warning: fewer than 10 speakers in $data: no held-out speakers," \
      "so no model selection (final.pt averages the last epochs); give --valid-num-spk or --valid-data" >&2
  fi
fi
case "$valid_num_spk" in ''|*[!0-9]*) echo "$0: --valid-num-spk must be a number or auto, got '$valid_num_spk'" >&2; exit 1 ;; esac
if [ -n "$valid_data" ] && [ "$valid_num_spk" -gt 0 ]; then
  echo "$0: give either --valid-data or --valid-num-spk, not both" >&2; exit 1
fi
mkdir -p $dir/log $dir/conf
utils/check_phones_compatible.sh $lang/phones.txt $alidir/phones.txt

train_data=$data
if [ $stage -le 0 ]; then
  cp $alidir/tree $alidir/final.mdl $dir/
  cp $lang/phones.txt $dir/phones.txt
  # A resumable dir keeps the config its checkpoints came from until training accepts the new one.
  if [ -f $dir/last.pt ] && ! $overwrite && [ -f $dir/config.yaml ]; then cp $dir/config.yaml $dir/log/config.yaml.resumed; fi
  cp $mtl_config $dir/config.yaml
  rm -f $dir/conf/fbank.conf $dir/conf/mfcc.conf
  n=0
  for k in fbank mfcc; do
    [ -f $data/conf/$k.conf ] && cp $data/conf/$k.conf $dir/conf/ && n=$((n + 1))
  done
  [ $n -ne 1 ] && echo "$0: warning: expected one of $data/conf/{fbank,mfcc}.conf (as make_fbank.sh leaves it), found $n;" \
    "transcribing raw audio with $dir will not work" >&2
  echo "$cmvn_opts" > $dir/cmvn_opts
  echo "--delta-order $delta_order" > $dir/delta_opts
  if [ "$valid_num_spk" -gt 0 ]; then
    nspk=$(wc -l < $data/spk2utt)
    [ $nspk -le $valid_num_spk ] && echo "$0: cannot hold out $valid_num_spk of $nspk speakers" >&2 && exit 1
    # speakers spread evenly through the (sorted) speaker list
    awk -v n=$valid_num_spk -v s=$nspk '{ if (int(NR * n / s) > int((NR - 1) * n / s)) print $1 }' $data/spk2utt \
      > $dir/valid_spk.list
    utils/filter_scp.pl --exclude $dir/valid_spk.list $data/spk2utt | awk '{print $1}' > $dir/train_spk.list
    utils/subset_data_dir.sh --spk-list $dir/valid_spk.list $data $dir/data/valid >$dir/log/subset.log
    utils/subset_data_dir.sh --spk-list $dir/train_spk.list $data $dir/data/train >>$dir/log/subset.log
    echo "$0: holding out speakers $(tr '\n' ' ' < $dir/valid_spk.list)for validation"
  fi
fi
if [ "$valid_num_spk" -gt 0 ]; then
  train_data=$dir/data/train
  valid_data=$dir/data/valid
  valid_ali=$alidir
fi
valid_opts=()
[ -n "$valid_data" ] && valid_opts=(--valid-data $valid_data --valid-ali $valid_ali)

if [ $stage -le 1 ]; then
  $cmd $dir/log/compute_prior.log $py.nnet_compute_prior $alidir $dir/ali_train_pdf.counts
fi

if [ $stage -le 2 ]; then
  if [ $nj_torchrun -gt 1 ]; then
    launcher="python3 -m torch.distributed.run --standalone --nproc_per_node $nj_torchrun -m mtlhybrid.bin.nnet_train"
  else
    launcher="$py.nnet_train"
  fi
  if $overwrite; then rm -f $dir/last.pt $dir/epoch*.pt $dir/final.pt $dir/train_log.csv; fi
  echo "$0: training (log: $dir/log/train.log)"
  $cmd $dir/log/train.log $launcher $dir/config.yaml $dir --data $train_data --ali $alidir "${ali_opts[@]}" \
    --lang $lang "${valid_opts[@]}" "${sets[@]}" --device $device $cmvn_opts --delta-order $delta_order \
    || { echo "$0: training failed; see $dir/log/train.log" >&2; tail -n 5 $dir/log/train.log >&2
         if [ -f $dir/log/config.yaml.resumed ]; then mv $dir/log/config.yaml.resumed $dir/config.yaml; fi; exit 1; }
  rm -f $dir/log/config.yaml.resumed
fi

if [ $stage -le 3 ]; then
  $py.nnet_check_dir $dir
  $py.nnet_info $dir/final.pt > $dir/log/info.log
  echo "$0: wrote $dir/final.pt"
fi
