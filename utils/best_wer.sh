#!/usr/bin/env bash
# Print the best (lowest) of the %WER lines read on stdin, with the file it came from at
# the end, as Kaldi's utils/best_wer.sh. The work is in mtlhybrid.score.best.

usage() {
  cat <<USAGE
Usage: grep WER <decode-dir>/wer_* | $0
  e.g.: for x in exp/*/decode*; do grep WER \$x/wer_* | $0; done
Reads lines like "exp/tri1/decode/wer_10_0.0:%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ]"
and prints "%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ] exp/tri1/decode/wer_10_0.0".
USAGE
}

for a in "$@"; do [ "$a" == "--help" ] || [ "$a" == "-h" ] && { usage; exit 0; }; done
if [ $# -ne 0 ]; then
  usage >&2
  exit 1
fi
exec python3 -m mtlhybrid.bin.best_wer
