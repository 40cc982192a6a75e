#!/usr/bin/env bash
# Per-speaker CMVN statistics for a data dir, as Kaldi's steps/compute_cmvn_stats.sh:
# <cmvn-dir>/cmvn_<name>.{ark,scp} with one float64 2 x (dim+1) matrix per speaker of
# spk2utt (sums and frame count; sums of squares), copied to <data>/cmvn.scp.
# --fake writes stats that normalize nothing (mean 0, variance 1).

fake=false
help_message="Usage: $0 [--fake] <data-dir> [<log-dir> [<cmvn-dir>] ]
 e.g.: $0 data/train
Note: <log-dir> defaults to <data-dir>/log, and <cmvn-dir> defaults to <data-dir>/data
Options:
  --fake      gives you fake CMVN stats that do no normalization."

echo "$0 $*"  # the command line, for the log
case "${1:-}" in
  --help|-h) printf "%s\n" "$help_message"; exit 0 ;;
  --fake) fake=true; shift ;;
  --*) echo "$0: invalid option $1" 1>&2; printf "%s\n" "$help_message" 1>&2; exit 1 ;;
esac
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  printf "%s\n" "$help_message" 1>&2
  exit 1
fi
[ -f path.sh ] && . ./path.sh

data=$1
logdir=${2:-$data/log}
cmvndir=${3:-$data/data}
case $cmvndir in /*) ;; *) cmvndir=$PWD/$cmvndir ;; esac  # the scp holds absolute paths
name=$(basename $data)
mkdir -p $cmvndir $logdir || exit 1

for f in $data/feats.scp $data/spk2utt; do
  [ ! -f $f ] && echo "$0: no such file $f" 1>&2 && exit 1
done

fake_opt=
$fake && fake_opt=--fake
if ! python3 -m mtlhybrid.bin.compute_cmvn_stats $fake_opt --spk2utt=ark:$data/spk2utt scp:$data/feats.scp \
     ark,scp:$cmvndir/cmvn_$name.ark,$cmvndir/cmvn_$name.scp 2> $logdir/cmvn_$name.log; then
  echo "$0: error computing CMVN stats; see $logdir/cmvn_$name.log" 1>&2
  tail -n 3 $logdir/cmvn_$name.log 1>&2
  exit 1
fi

cp $cmvndir/cmvn_$name.scp $data/cmvn.scp || exit 1
nc=$(wc -l < $data/cmvn.scp)
nu=$(wc -l < $data/spk2utt)
if [ $nc -ne $nu ]; then
  echo "$0: warning: it seems not all of the speakers got CMVN stats ($nc != $nu); see $logdir/cmvn_$name.log"
  [ $nc -eq 0 ] && exit 1
fi
echo "Succeeded creating CMVN stats for $name"
