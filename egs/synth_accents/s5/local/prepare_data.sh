#!/usr/bin/env bash
# Synthesize the synth_accents corpus (espeak-ng and flite speakers of several English
# accents) and write its Kaldi data dirs:
#   <data-dir>/train, <data-dir>/dev, <data-dir>/test_seen (new speakers, training accents),
#   <data-dir>/test_unseen (accents never seen in training), and
#   <data-dir>/local/synth_accents/{wordlist.txt,lm_text.txt,speakers.tsv,corpus.json}.
# The work is in mtlhybrid.corpora.synth_accents (python -m mtlhybrid.bin.synth_accents_prep).

nj=2
seed=0
num_train_spk=48
num_dev_spk_per_accent=1
num_test_spk_per_accent=1
num_unseen_spk_per_accent=6
utts_per_spk=30
utts_per_test_spk=20
utts_per_unseen_spk=0
design=crossed
num_train_voices=0
prosody=utterance
unseen_accents=en-029,en-gb-x-gbcwmd
vocab_size=1500
lm_sentences=20000
prompts=
keep_oov=false
flite=true
augment=0

help_message="Usage: $0 [options] <out-wav-dir> <data-dir>
 e.g.: $0 --nj 2 wav data
Options:
  --nj <n>                           # parallel synthesis jobs ($nj)
  --seed <s>                         # seed of every random choice ($seed)
  --num-train-spk <n>                # training speakers over the seen accents ($num_train_spk)
  --num-dev-spk-per-accent <n>       # ($num_dev_spk_per_accent)
  --num-test-spk-per-accent <n>      # test_seen speakers per seen accent ($num_test_spk_per_accent)
  --num-unseen-spk-per-accent <n>    # test_unseen speakers per unseen accent ($num_unseen_spk_per_accent)
  --utts-per-spk <n>                 # utterances per training speaker ($utts_per_spk)
  --utts-per-test-spk <n>            # utterances per dev/test speaker ($utts_per_test_spk)
  --utts-per-unseen-spk <n>          # utterances per test_unseen speaker; 0: as --utts-per-test-spk ($utts_per_unseen_spk)
  --design <crossed|nested>          # crossed: every voice of a split under every accent of it, no flite;
                                     # nested: each accent its own voices, flite in training ($design)
  --num-train-voices <n>             # crossed: training voices; 0: num-train-spk / seen accents ($num_train_voices)
  --prosody <utterance|speaker>      # speed and pitch drawn per utterance or fixed per speaker ($prosody)
  --unseen-accents <a,b>             # accents only in test_unseen ($unseen_accents)
  --vocab-size <n>                   # word types of the generated text, 0 = all ($vocab_size)
  --lm-sentences <n>                 # extra generated sentences of LM text ($lm_sentences)
  --prompts <file>                   # plain or Festival prompt file instead of the generator
  --keep-oov <true|false>            # keep prompts with words not in CMUdict ($keep_oov)
  --flite <true|false>               # nested design: add the flite voices as speakers ($flite)
  --augment <fraction>               # share of speakers given reverb and/or noise ($augment)"

. ./path.sh 2>/dev/null || true
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# -ne 2 ]; then
  printf "%b\n" "$help_message" 1>&2
  exit 1
fi
wav_dir=$1
data=$2

for exe in espeak-ng sox; do
  command -v $exe >/dev/null || { echo "$0: $exe is not installed (apt-get install espeak-ng flite sox)"; exit 1; }
done
if $flite; then
  command -v flite >/dev/null || { echo "$0: flite is not installed (apt-get install flite, or --flite false)"; exit 1; }
fi
if [ -n "$prompts" ] && [ ! -f "$prompts" ]; then
  echo "$0: no such file $prompts"; exit 1
fi

opts=()
[ -n "$prompts" ] && opts+=(--prompts "$prompts")
$keep_oov && opts+=(--keep-oov)
$flite || opts+=(--no-flite)

log=$data/local/synth_accents/log/prepare_data.log
mkdir -p $(dirname $log)
echo "$0: synthesizing into $wav_dir, data dirs in $data (log: $log)"
python3 -m mtlhybrid.bin.synth_accents_prep --log $log \
  --nj $nj --seed $seed --num-train-spk $num_train_spk \
  --num-dev-spk-per-accent $num_dev_spk_per_accent --num-test-spk-per-accent $num_test_spk_per_accent \
  --num-unseen-spk-per-accent $num_unseen_spk_per_accent \
  --utts-per-spk $utts_per_spk --utts-per-test-spk $utts_per_test_spk --utts-per-unseen-spk $utts_per_unseen_spk \
  --design $design --num-train-voices $num_train_voices --prosody $prosody \
  --unseen-accents "$unseen_accents" --vocab-size $vocab_size --lm-sentences $lm_sentences \
  --augment $augment "${opts[@]}" $wav_dir $data

echo "$0: done: $data/{train,dev,test_seen,test_unseen}"
