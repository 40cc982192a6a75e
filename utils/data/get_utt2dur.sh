#!/usr/bin/env bash
# Write <data>/utt2dur, as Kaldi's utils/data/get_utt2dur.sh: from segments, else from
# utt2num_frames and frame_shift, else from the audio headers of wav.scp (pipes are run).
# --nj and --cmd are accepted for compatibility; the work is one quick Python process.

frame_shift=0.01
cmd=run.pl
nj=4
read_entire_file=false
help_message="Usage: $0 [options] <data-dir>
 e.g.: $0 data/train
Options:
  --frame-shift <seconds>   # only used to get durations from feats.scp (default 0.01)"

utils=$(cd "$(dirname "$0")/.." && pwd)
. "$utils/parse_options.sh" || exit 1
if [ $# != 1 ]; then
  printf "%s\n" "$help_message" 1>&2
  exit 1
fi
[ -f path.sh ] && . ./path.sh
export LC_ALL=C
data=$1
[ ! -d $data ] && echo "$0: no such directory $data" 1>&2 && exit 1
python3 -m mtlhybrid.bin.get_utt2dur --frame-shift $frame_shift $data || exit 1
echo "$0: computed $data/utt2dur"
