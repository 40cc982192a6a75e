"""Kaldi data dirs for L2-ARCTIC (non-native English), CMU ARCTIC speakers as the native class.

L2-ARCTIC (v5) unpacks as::

    README.md  LICENSE
    <SPK>/wav/arctic_a0001.wav  <SPK>/transcript/arctic_a0001.txt
    <SPK>/annotation/*.TextGrid  <SPK>/textgrid/*.TextGrid
    suitcase_corpus/{wav,transcript,annotation}/<spk>.*     (spontaneous speech, left out)

and CMU ARCTIC as ``cmu_us_<spk>_arctic/{wav/arctic_a0001.wav, etc/txt.done.data}``.
lhotse's ``prepare_l2_arctic`` and ``prepare_cmu_arctic`` read them; the label of each
utterance is its speaker's first language (L1) from the speaker table of the corpus
README (lhotse's copy of it when the README is absent) as a lower-case token, ``chinese``
written ``mandarin`` (what the speakers speak); the chosen CMU ARCTIC speakers (by
default the four US-English ones, bdl slt clb rms) are labelled ``native``.

Splits are speaker-disjoint: ``test`` holds the chosen test speakers, ``dev`` the dev
speakers (if any), ``test_unseen`` every speaker of the held-out L1s (if any), ``train``
the rest. All speakers read the same ARCTIC prompts, so the test measures new voices and
accents, not new sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from mtlhybrid.corpora.public_corpora import (
    PartReport,
    check_disjoint_speakers,
    label_token,
    require_corpus_dir,
    reshape_supervisions,
    write_part,
    write_reports,
)
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

#: One speaker per L1, alternating genders: a small, balanced default test set.
DEFAULT_TEST_SPEAKERS = ("aba", "lxc", "rrbi", "hjk", "erms", "thv")
DEFAULT_NATIVE_SPEAKERS = ("bdl", "slt", "clb", "rms")
DEFAULT_NATIVE_TEST_SPEAKERS = ("rms",)
NATIVE = "native"
#: L1 names of the speaker table -> label (the Chinese speakers are Mandarin speakers).
L1_ALIASES = {"chinese": "mandarin"}
L2_HINT = (
    "Request L2-ARCTIC (CC BY-NC 4.0) at https://psi.engr.tamu.edu/l2-arctic-corpus/, unzip the release "
    "and each speaker's zip so that this folder holds <SPK>/wav and <SPK>/transcript (ABA, BWC, ...)."
)
CMU_HINT = (
    "Download cmu_us_{bdl,slt,clb,rms}_arctic-0.95-release.tar.bz2 from http://festvox.org/cmu_arctic/ "
    "and unpack them in this folder (cmu_us_bdl_arctic/wav, cmu_us_bdl_arctic/etc/txt.done.data)."
)


def l1_label(name: str) -> str:
    token = label_token(name)
    return L1_ALIASES.get(token, token)


def read_speaker_table(readme: Optional[PathLike] = None) -> Dict[str, Dict[str, str]]:
    """speaker (lower case) -> {"gender": "m"/"f", "l1": label} from a README's markdown table.

    The table is the one with ``Speaker``, ``Gender`` and ``Native Language`` (or ``L1``)
    columns; with no README (or no such table), lhotse's copy of L2-ARCTIC's table.
    """
    text = None
    if readme is not None and Path(readme).is_file():
        text = Path(readme).read_text(encoding="utf-8", errors="replace")
    table = _parse_markdown_speakers(text) if text else {}
    if not table:
        from lhotse.recipes.l2_arctic import SPEAKER_DESCRIPTION

        table = _parse_markdown_speakers(SPEAKER_DESCRIPTION)
        if readme is not None:
            logger.info("no speaker table in %s; using lhotse's copy of L2-ARCTIC's", readme)
    return table


def _parse_markdown_speakers(text: str) -> Dict[str, Dict[str, str]]:
    out: Dict[str, Dict[str, str]] = {}
    cols: Optional[List[str]] = None
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            cols = None if out else cols
            continue
        cells = [c.strip().strip("*").strip() for c in line.strip("|").split("|")]
        low = [c.lower() for c in cells]
        if "speaker" in low and "gender" in low and any(c in low for c in ("native language", "l1")):
            cols = low
            continue
        if cols is None or set(line) <= set("|-: "):
            continue
        row = dict(zip(cols, cells))
        spk = row.get("speaker", "")
        l1 = row.get("native language") or row.get("l1") or ""
        g = {"m": "m", "male": "m", "f": "f", "female": "f"}.get(row.get("gender", "").lower())
        if not spk or not l1 or g is None or not re.fullmatch(r"[A-Za-z0-9]+", spk):
            continue  # e.g. the **Total** line
        out[spk.lower()] = {"gender": g, "l1": l1_label(l1)}
    return out


def _lower(xs: Sequence[str]) -> List[str]:
    return [x.lower() for x in xs]


def prepare_l2arctic(
    corpus_dir: PathLike,
    out_dir: PathLike,
    cmu_arctic_dir: Optional[PathLike] = None,
    test_speakers: Sequence[str] = DEFAULT_TEST_SPEAKERS,
    dev_speakers: Sequence[str] = (),
    heldout_l1s: Sequence[str] = (),
    native_speakers: Sequence[str] = DEFAULT_NATIVE_SPEAKERS,
    native_test_speakers: Sequence[str] = DEFAULT_NATIVE_TEST_SPEAKERS,
    test_prompts: Optional[str] = None,
) -> Dict[str, PartReport]:
    """Write ``<out_dir>/{train,test}`` (+ ``dev``, ``test_unseen``), speaker-disjoint and validated.

    ``native_test_speakers`` (of ``native_speakers``) join ``test`` when ``cmu_arctic_dir``
    is given. ``heldout_l1s`` are labels (``arabic``, ``mandarin`` ...). ``test_prompts``: a
    regular expression on prompt ids (``arctic_b0[45]..``): test sets keep only those
    prompts and train/dev only the others, so an LM trained on the training transcripts
    has never seen a test sentence.
    """
    from lhotse import RecordingSet, SupervisionSet
    from lhotse.recipes import prepare_cmu_arctic, prepare_l2_arctic

    root = require_corpus_dir(corpus_dir, "L2-ARCTIC", "<SPK>/wav and <SPK>/transcript", L2_HINT)
    spk_dirs = sorted(p.name for p in root.iterdir() if (p / "wav").is_dir() and p.name != "suitcase_corpus")
    if not spk_dirs:
        raise DataError(f"no speaker folders with wav/ inside. {L2_HINT}", path=root)
    table = read_speaker_table(root / "README.md")
    unknown = [s for s in spk_dirs if s.lower() not in table]
    if unknown:
        raise DataError(f"speaker folders {' '.join(unknown)} are not in the L2-ARCTIC speaker table", path=root / "README.md")
    try:
        l2 = prepare_l2_arctic(root)
    except KeyError as e:
        raise DataError(f"a transcript has no wav file (or a speaker is unknown to lhotse): {e}", path=root)
    recs, sups = l2["read"]["recordings"], l2["read"]["supervisions"]
    n_suitcase = len(l2["suitcase"]["supervisions"])
    if n_suitcase:
        logger.info("left out %d suitcase_corpus (spontaneous) recordings", n_suitcase)
    l1_of = {s: table[s]["l1"] for s in {x.speaker for x in sups}}
    gender_of = {s: table[s]["gender"] for s in l1_of}

    all_recs = list(recs)
    all_sups = list(sups)
    if cmu_arctic_dir is not None:
        cmu_root = require_corpus_dir(cmu_arctic_dir, "CMU ARCTIC", "cmu_us_<spk>_arctic/{wav,etc}", CMU_HINT)
        try:
            cmu = prepare_cmu_arctic(cmu_root)
        except KeyError as e:
            raise DataError(f"txt.done.data lists an utterance with no wav file: {e}", path=cmu_root)
        from lhotse.recipes.cmu_arctic import GENDER_MAP

        wanted = set(_lower(native_speakers))
        found = {s.speaker for s in cmu["supervisions"]}
        missing = sorted(wanted - found)
        if missing:
            raise DataError(f"native speakers {' '.join(missing)} not found (found: {' '.join(sorted(found)) or 'none'}). {CMU_HINT}",
                            path=cmu_root)
        skipped = Counter(s.speaker for s in cmu["supervisions"] if s.speaker not in wanted)
        if skipped:
            logger.info("CMU ARCTIC: left out speakers not chosen as native: %s",
                        " ".join(f"{k}({n})" for k, n in sorted(skipped.items())))
        l2_speakers = set(l1_of)
        for s in cmu["supervisions"]:
            if s.speaker in wanted:
                if s.speaker in l2_speakers:
                    raise DataError(f"speaker id {s.speaker} is both an L2-ARCTIC and a CMU ARCTIC speaker")
                all_sups.append(s)
                l1_of[s.speaker] = NATIVE
                g = GENDER_MAP.get(s.speaker, "")
                gender_of[s.speaker] = {"male": "m", "female": "f"}.get(g)
        used = {s.recording_id for s in all_sups}
        all_recs += [r for r in cmu["recordings"] if r.id in used]
    recset = RecordingSet.from_recordings(all_recs)
    present = set(l1_of)

    test = set(_lower(test_speakers)) | (set(_lower(native_test_speakers)) if cmu_arctic_dir is not None else set())
    dev = set(_lower(dev_speakers))
    l1s = set(l1_of.values())
    heldout = [l1_label(x) for x in heldout_l1s]
    bad_l1 = [x for x in heldout if x not in l1s]
    if bad_l1:
        raise DataError(f"held-out L1s {' '.join(bad_l1)} have no speakers (L1s present: {' '.join(sorted(l1s))})", path=root)
    for role, names in (("test", test), ("dev", dev)):
        bad = sorted(names - present)
        if bad:
            raise DataError(f"{role} speakers {' '.join(bad)} are not in the corpus (speakers: {' '.join(sorted(present))})", path=root)
    if test & dev:
        raise DataError(f"speakers {' '.join(sorted(test & dev))} are both test and dev speakers")
    unseen = {s for s in present if l1_of[s] in heldout}
    clash = sorted((test | dev) & unseen)
    if clash:
        raise DataError(f"speakers {' '.join(clash)} are test/dev speakers but their L1 is held out (they go to test_unseen)")

    def role(spk: str) -> str:
        if spk in unseen:
            return "test_unseen"
        if spk in test:
            return "test"
        if spk in dev:
            return "dev"
        return "train"

    prompt_re = re.compile(test_prompts) if test_prompts else None
    parts: Dict[str, List] = {}
    prompt_dropped: Counter = Counter()
    for s in all_sups:
        r = role(s.speaker)
        if prompt_re is not None:
            is_test_prompt = prompt_re.fullmatch(s.id.split("-", 1)[1]) is not None
            if is_test_prompt != r.startswith("test"):
                prompt_dropped[r] += 1
                continue
        parts.setdefault(r, []).append(s)
    for need in ["train", "test"] + (["dev"] if dev else []) + (["test_unseen"] if heldout else []):
        if not parts.get(need):
            raise DataError(f"the {need} set would be empty", path=root)
    check_disjoint_speakers(parts)

    out_dir = Path(out_dir)
    reports: Dict[str, PartReport] = {}
    for name in ("train", "dev", "test", "test_unseen"):
        if name not in parts:
            continue
        dropped: Counter = Counter()
        if prompt_dropped[name]:
            dropped["test prompts" if name in ("train", "dev") else "training prompts"] = prompt_dropped[name]
        r, s = reshape_supervisions(
            recset, SupervisionSet.from_segments(parts[name]), utt_id=lambda x: x.id,
            labels=lambda x: {"accent": l1_of[x.speaker]}, gender=lambda x: gender_of.get(x.speaker), dropped=dropped,
        )
        reports[name] = write_part(out_dir / name, r, s, dropped, label_names=("accent",))
    write_reports(out_dir / "local" / "l2arctic_prep.json", reports.values())
    return reports
