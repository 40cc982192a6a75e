# The whole of steps/make_fbank.sh and steps/make_mfcc.sh, which set feat_type (fbank or
# mfcc) and source this file: the options (--<type>-config, --nj, --cmd, ...), the usage
# message, the checks and the jobs are the same for both, so they are written once here.
# Sourced, not run, so that messages name the script the user called ($0).
#
# wav.scp (or segments) is split into --nj pieces, each job computes features with
# python -m mtlhybrid.bin.compute_<type>_feats into <dir>/raw_<type>_<name>.JOB.{ark,scp},
# and the pieces are combined into <data>/feats.scp (+ utt2num_frames, utt2dur,
# frame_shift, conf/<type>.conf).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "$0: this file is sourced by steps/make_fbank.sh and steps/make_mfcc.sh; run one of those" 1>&2
  exit 1
fi
case "${feat_type:-}" in fbank|mfcc) ;; *) echo "$0: feat_type must be fbank or mfcc" 1>&2; exit 1 ;; esac

# Begin configuration section.
nj=4
cmd=run.pl
printf -v ${feat_type}_config '%s' conf/$feat_type.conf  # --fbank-config / --mfcc-config
compress=false
write_utt2num_frames=true  # write <data>/utt2num_frames
write_utt2dur=true         # write <data>/utt2dur
# End configuration section.

echo "$0 $*"  # the command line, for the log

help_message="Usage: $0 [options] <data-dir> [<log-dir> [<$feat_type-dir>] ]
 e.g.: $0 --nj 4 --$feat_type-config conf/$feat_type.conf data/train
Note: <log-dir> defaults to <data-dir>/log, and <$feat_type-dir> defaults to <data-dir>/data
Options:
  $(printf '%-38s' "--$feat_type-config <config-file>")# Kaldi-style config (--num-mel-bins=40 ...)
  --nj <nj>                             # number of parallel jobs
  --cmd <run.pl|slurm.pl|queue.pl ...>  # how to run jobs
  --write-utt2num-frames <true|false>   # write utt2num_frames (default true)
  --write-utt2dur <true|false>          # write utt2dur (default true)"

[ -f path.sh ] && . ./path.sh
utils=$(cd "$(dirname "$0")/../utils" && pwd)
. "$utils/parse_options.sh" || exit 1

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  printf "%s\n" "$help_message" 1>&2
  exit 1
fi

data=$1
logdir=${2:-$data/log}
featdir=${3:-$data/data}
tool=mtlhybrid.bin.compute_${feat_type}_feats
config_var=${feat_type}_config
config=${!config_var}

for f in $data/wav.scp $data/utt2spk $config; do
  [ ! -f $f ] && echo "$0: no such file $f" 1>&2 && exit 1
done
# Old features go aside before validation, which would compare them with utt2spk.
if [ -f $data/feats.scp ]; then
  mkdir -p $data/.backup
  echo "$0: moving $data/feats.scp to $data/.backup"
  mv $data/feats.scp $data/.backup/
fi

if [ -x "$utils/validate_data_dir.sh" ]; then
  "$utils/validate_data_dir.sh" --no-text --no-feats $data || exit 1
fi
if $compress; then
  echo "$0: warning: --compress true is not supported; writing uncompressed float32 features" 1>&2
fi

case $featdir in /*) ;; *) featdir=$PWD/$featdir ;; esac  # the scp holds absolute paths
name=$(basename $data)
mkdir -p $featdir $logdir || exit 1

if [ -f $data/segments ]; then
  echo "$0: [info]: segments file exists: using that."
  list=$data/segments
  piece=segments
else
  echo "$0: [info]: no segments file exists: assuming wav.scp indexed by utterance."
  list=$data/wav.scp
  piece=wav
fi
nlines=$(wc -l < $list)
if [ $nlines -eq 0 ]; then echo "$0: $list is empty" 1>&2; exit 1; fi
if [ $nj -gt $nlines ]; then
  echo "$0: [info]: reducing --nj from $nj to $nlines (the number of entries of $list)"
  nj=$nlines
fi
split_files=
for n in $(seq $nj); do split_files="$split_files $logdir/${piece}_${name}.$n.scp"; done
"$utils/split_scp.pl" $list $split_files || exit 1

if [ $piece = segments ]; then
  inputs="--segments=$logdir/segments_${name}.JOB.scp scp,p:$data/wav.scp"
else
  inputs="scp,p:$logdir/wav_${name}.JOB.scp"
fi
opts=
$write_utt2num_frames && opts="$opts --write-num-frames=ark,t:$logdir/utt2num_frames_${name}.JOB"
$write_utt2dur && opts="$opts --write-utt2dur=ark,t:$logdir/utt2dur_${name}.JOB"

$cmd JOB=1:$nj $logdir/make_${feat_type}_${name}.JOB.log \
  python3 -m $tool --verbose=2 --config=$config $opts $inputs \
    ark,scp:$featdir/raw_${feat_type}_$name.JOB.ark,$featdir/raw_${feat_type}_$name.JOB.scp \
  || { echo "$0: error computing $feat_type features for $name; see $logdir/make_${feat_type}_${name}.*.log" 1>&2; exit 1; }

for n in $(seq $nj); do
  cat $featdir/raw_${feat_type}_$name.$n.scp || exit 1
done > $data/feats.scp || exit 1
if $write_utt2num_frames; then
  for n in $(seq $nj); do cat $logdir/utt2num_frames_${name}.$n || exit 1; done > $data/utt2num_frames || exit 1
fi
if $write_utt2dur; then
  for n in $(seq $nj); do cat $logdir/utt2dur_${name}.$n || exit 1; done > $data/utt2dur || exit 1
fi

# frame_shift in seconds, from the config's --frame-shift (milliseconds), as Kaldi.
shift_ms=$(sed -n 's/#.*//; s/^[[:space:]]*--frame-shift=\([0-9.]*\).*/\1/p' $config | tail -n 1)
if [ -n "$shift_ms" ]; then
  awk -v ms=$shift_ms 'BEGIN { printf "%.3f\n", ms * 0.001 }' > $data/frame_shift
else
  echo 0.01 > $data/frame_shift
fi
mkdir -p $data/conf && cp $config $data/conf/$feat_type.conf || exit 1

rm -f $logdir/${piece}_${name}.*.scp $logdir/utt2num_frames_${name}.* $logdir/utt2dur_${name}.* 2>/dev/null

nf=$(wc -l < $data/feats.scp)
nu=$(wc -l < $data/utt2spk)
if [ $nf -ne $nu ]; then
  echo "$0: $((nu - nf)) of $nu utterances were not processed ($nf != $nu); they are named in" \
       "$logdir/make_${feat_type}_${name}.*.log; consider using utils/fix_data_dir.sh $data"
fi
if (( nf < nu - nu/20 )); then
  echo "$0: Less than 95% of the features were successfully generated. Probably a serious error." 1>&2
  exit 1
fi
echo "$0: Succeeded creating $feat_type features for $name"
