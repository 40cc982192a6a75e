#!/usr/bin/env bash
# speechocean762 (OpenSLR 101): real read English by Mandarin speakers, adults and children.
# The toolkit's first real continuous-speech recipe: GMM systems (mono, tri1, LDA+MLLT tri2b,
# SAT tri3b), then on tri3b's alignments per seed the multi-task network (senones + monophones + age group + gender) beside its single-task
# baseline, decoded with a trigram LM of the training transcripts. Dev is a set of whole
# speakers held out of train/, balanced by age group and gender; the corpus's test/ (when
# the corpus folder has it) is decoded but never used for a choice. Stage 0 is this
# corpus's; stages 1-8 are local/stages.sh, shared with the other public-corpus recipes.
# See README.md and RESULTS.md.

. ./cmd.sh
. ./path.sh
. local/stages.sh        # the shared stages 1-8 and their options

# Corpus: default ../shared/data/speechocean762 beside the repository when it exists,
# else corpus/speechocean762 here, downloaded in stage 0 when missing.
corpus_dir=
download=true            # stage 0 fetches the corpus (OpenSLR 101) when it is missing
corpus_url=https://www.openslr.org/resources/101/speechocean762.tar.gz
dev_per_group=4          # dev: this many speakers of each (age group, gender) held out of train/
max_speakers_per_group=  # keep the first n speakers of each group (quick runs; default all)
keep_stress=false        # keep the corpus lexicon's vowel stress (separate phones)
# Sizes for ~2,200 training utterances (about 2.5 h): Kaldi's reference run on this corpus
# used 1,500 leaves / 10,000 Gaussians on 2,500; fewer here, and lighter EM schedules than
# the step scripts' defaults (each realignment pass costs as much as several EM passes).
nj=2
decode_nj=2
mono_subset=1000         # as Kaldi's reference run: monophones on the 1,000 shortest utterances
mono_iters=16
mono_realign="1 2 3 4 5 6 8 10 12 14"
tri1_leaves=1000
tri1_gauss=6000
tri1_iters=15
tri1_realign="5 10"
# LDA+MLLT and SAT at the sizes of Kaldi's reference run (1,500 leaves / 10,000 Gaussians),
# on the same light schedule as tri1.
tri2b_leaves=1500
tri2b_gauss=10000
tri2b_iters=15
tri2b_realign="5 10"
tri2b_mllt_iters="2 4 6"
tri3b_leaves=1500
tri3b_gauss=10000
tri3b_iters=15
tri3b_realign="5 10"
tri3b_fmllr_iters="2 4 6"
gmm_systems="mono tri1 tri2b tri3b"
gmm=tri3b                # the networks train on tri3b's (fMLLR) alignments and decode with its graph
adv_config=              # conf/mtl_spkadv.yaml: also the speaker-adversarial network per seed (off: time)
results_label=age_group

help_message="Usage: $0 [options]
speechocean762 recipe: stage 0 corpus (download when missing) and data dirs train/dev[/test]
(local/data_prep.sh); stages 1-8 as local/stages.sh (lang + LM, features, mono, tri1 + tri2b
(LDA+MLLT) + tri3b (SAT), GMM decoding, networks, hybrid decoding, results).
Adaptation of a synth_accents network to this corpus: local/run_adapt.sh (after stage 4).
Options (default):
  --corpus-dir <dir>                 train/, WAVE/, resource/ [test/] (../shared/data/speechocean762 or corpus/speechocean762)
  --download <true|false>            download the corpus when it is missing ($download)
  --corpus-url <url>                 ($corpus_url)
  --dev-per-group <n>                dev speakers per age group and gender ($dev_per_group)
  --max-speakers-per-group <n>       only the first n speakers of each group (quick runs; all)
  --keep-stress <true|false>         vowel stress of the corpus lexicon ($keep_stress)
$(stages_help)
e.g.: $0 --max-speakers-per-group 3 --dev-per-group 1 --nnet-seeds 1"

. utils/parse_options.sh || exit 1
set -euo pipefail
check_no_args "$@"

if [ -z "$corpus_dir" ]; then
  corpus_dir=$PWD/corpus/speechocean762
  shared=$MTLHYBRID_ROOT/../shared/data/speechocean762
  [ -f "$shared/train/wav.scp" ] && corpus_dir=$(cd "$shared" && pwd)
fi

if in_stages 0; then
  echo "$0: stage 0: corpus ($corpus_dir) and data dirs"
  if [ ! -f "$corpus_dir/train/wav.scp" ]; then
    if ! $download; then
      cat >&2 <<MSG
$0: speechocean762 not found: expected $corpus_dir/train/wav.scp (and WAVE/, resource/).
  Pass --corpus-dir <folder>, or --download true on a machine with a network
  (https://www.openslr.org/101/, or https://github.com/jimbozhang/speechocean762).
MSG
      exit 1
    fi
    [ "$(basename "$corpus_dir")" != speechocean762 ] && \
      echo "$0: --download unpacks into a folder named speechocean762, not $corpus_dir" >&2 && exit 1
    local/download_and_untar.sh --url "$corpus_url" "$(dirname "$corpus_dir")"
  fi
  prep_opts=(--dev-per-group $dev_per_group)
  [ -n "$max_speakers_per_group" ] && prep_opts+=(--max-speakers-per-group $max_speakers_per_group)
  local/data_prep.sh "${prep_opts[@]}" "$corpus_dir" data
  stage_done 0
fi

# The corpus's test/ split, when present, is decoded too; without it the recipe runs on dev alone.
test_sets=dev
if [ -f data/test/text ]; then
  test_sets="dev test"
else
  echo "$0: no test set (the corpus folder has no test/): dev only"
fi
# The corpus's own lexicon, CMUdict for the words it lacks, letter-to-sound rules for the rest.
dict_prep="python3 -m mtlhybrid.bin.speechocean762_prepare_dict --text-has-ids $corpus_dir/resource/lexicon.txt"
$keep_stress && dict_prep="$dict_prep --keep-stress"

run_stages
