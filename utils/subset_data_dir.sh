#!/usr/bin/env bash
# Kaldi's utils/subset_data_dir.sh: a subset of a data directory, with every table (label
# files utt2<name>, spk2gender, ...) carried along. Work: mtlhybrid/data/subset.py.

usage() {
  cat <<USAGE
Usage:
  $0 [--first|--last|--shortest|--per-spk] <srcdir> <num-utt> <destdir>
  $0 --spk-list <speaker-list-file> <srcdir> <destdir>
  $0 --utt-list <utt-list-file> <srcdir> <destdir>
By default keeps <num-utt> utterances spread evenly through the directory.
With --first/--last, the first/last <num-utt> utterances; --shortest, the shortest ones
(needs utt2dur, segments or feats.scp); --per-spk, <num-utt> per speaker.
With --spk-list/--utt-list, the speakers/utterances listed in the file.
USAGE
}

for a in "$@"; do [ "$a" == "--help" ] || [ "$a" == "-h" ] && { usage; exit 0; }; done
mode=()
expect=3
case "${1:-}" in
  --first|--last|--shortest|--per-spk) mode=("$1"); shift ;;
  --spk-list|--utt-list) mode=("$1" "${2:-}"); shift 2 || true; expect=2
    [ ! -f "${mode[1]}" ] && echo "$0: no such file ${mode[1]}" >&2 && exit 1 ;;
  --*) echo "$0: invalid option '$1'" >&2; usage >&2; exit 1 ;;
esac
if [ $# -ne $expect ]; then
  usage >&2
  exit 1
fi
srcdir=$1
[ ! -f "$srcdir/utt2spk" ] && echo "$0: no such file $srcdir/utt2spk" >&2 && exit 1
exec python3 -m mtlhybrid.bin.subset_data_dir "${mode[@]}" "$@"
