#!/usr/bin/env bash
# Build a Kaldi lang dir (phones.txt, words.txt, topo, L.fst, L_disambig.fst, phones/*)
# from a dict dir. Same arguments and options as Kaldi's utils/prepare_lang.sh; the work
# is done by python -m mtlhybrid.bin.prepare_lang, then the result is validated.

usage() {
  cat <<USAGE
Usage: $0 [options] <dict-src-dir> <oov-dict-entry> <tmp-dir> <lang-dir>
e.g.: $0 data/local/dict "<UNK>" data/local/lang data/lang
<dict-src-dir> holds lexicon.txt (or lexiconp.txt), silence_phones.txt,
nonsilence_phones.txt, optional_silence.txt and extra_questions.txt.
Options:
  --position-dependent-phones (true|false)  # default: true; add _B _E _I _S markers
  --sil-prob <p>                            # default: 0.5; optional silence, 0 <= p < 1
  --share-silence-phones (true|false)       # default: false; silence phones share pdfs
  --num-sil-states <n>                      # default: 5
  --num-nonsil-states <n>                   # default: 3
USAGE
}

echo "$0 $@"  # the command line, for the log

positional=()
opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --*=*) opts+=("$1"); shift ;;
    --*) [ $# -lt 2 ] && { echo "$0: option $1 needs a value" >&2; usage >&2; exit 1; }
         opts+=("$1" "$2"); shift 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -ne 4 ]; then
  usage >&2
  exit 1
fi
srcdir=${positional[0]}
dir=${positional[3]}
[ ! -d "$srcdir" ] && echo "$0: no such directory $srcdir" >&2 && exit 1
for f in silence_phones.txt nonsilence_phones.txt optional_silence.txt; do
  [ ! -f "$srcdir/$f" ] && echo "$0: no such file $srcdir/$f" >&2 && exit 1
done
if [ ! -f "$srcdir/lexicon.txt" ] && [ ! -f "$srcdir/lexiconp.txt" ]; then
  echo "$0: no such file $srcdir/lexicon.txt (nor lexiconp.txt)" >&2; exit 1
fi

[ -d "$dir/phones" ] && rm -r "$dir/phones"
python3 -m mtlhybrid.bin.prepare_lang "${opts[@]}" -- "${positional[@]}" || exit 1

echo "$(basename $0): validating output directory"
python3 -m mtlhybrid.bin.validate_lang "$dir" || { echo "$(basename $0): error validating output" >&2; exit 1; }
exit 0
