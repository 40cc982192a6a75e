"""The public-corpus recipes share one body (local/stages.sh) and one common path file.

Each of egs/{mini_librispeech,commonvoice_accents,l2arctic,speechocean762}/s5 keeps its own
stage 0 and sources the shared stages 1-8; every recipe's path.sh sources
egs/common_path.sh. The stages themselves run in tests/test_corpora_speechocean762.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mtlhybrid.nnet.config import load_config

EGS = Path(__file__).resolve().parent.parent / "egs"
PUBLIC = ("mini_librispeech", "commonvoice_accents", "l2arctic", "speechocean762")


@pytest.mark.parametrize("corpus", PUBLIC)
def test_recipe_sources_the_shared_stages(corpus, script_env):
    s5 = EGS / corpus / "s5"
    stages = s5 / "local" / "stages.sh"
    assert stages.is_symlink()
    assert stages.resolve() == (EGS.parent / "local" / "public_corpus_stages.sh").resolve()
    res = subprocess.run(["./run.sh", "--help"], cwd=s5, env=script_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for opt in ("--stage", "--stop-stage", "--nnet-seeds", "--baseline-config", "--tri1-leaves", "--lm-order",
                "--tri2b-leaves", "--tri3b-gauss", "--tri3b-fmllr-iters", "--gmm", "--adv-config"):
        assert opt in res.stdout, (corpus, opt)
    res = subprocess.run(["./run.sh", "--no-such-option", "1"], cwd=s5, env=script_env, capture_output=True, text=True)
    assert res.returncode == 1
    assert "invalid option --no-such-option" in res.stderr


@pytest.mark.parametrize("corpus", PUBLIC)
def test_baseline_is_the_mtl_network_with_senones_only(corpus):
    conf = EGS / corpus / "s5" / "conf"
    mtl, base = load_config(conf / "mtl.yaml"), load_config(conf / "single_task.yaml")
    assert [t.name for t in base.tasks] == ["senone"]
    assert len(mtl.tasks) > 1
    assert base.to_dict()["model"] == mtl.to_dict()["model"]
    assert base.to_dict()["train"] == mtl.to_dict()["train"]


def test_every_path_sh_sources_the_common_file():
    recipes = sorted(EGS.glob("*/s5/path.sh"))
    assert len(recipes) >= 6
    for p in recipes:
        assert '. "$MTLHYBRID_ROOT/egs/common_path.sh"' in p.read_text(), p
    # Sourced from a recipe with a bare environment: the repository's code and utils/ on PATH.
    s5 = EGS / "speechocean762" / "s5"
    res = subprocess.run(["bash", "-c", '. ./path.sh; echo "$MTLHYBRID_ROOT|$LC_ALL|$PYTHONPATH"; command -v run.pl'],
                         cwd=s5, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    root, lc_all, pythonpath = res.stdout.splitlines()[0].split("|")
    assert Path(root) == EGS.parent
    assert lc_all == "C"
    assert pythonpath.split(":")[0] == root
    assert res.stdout.splitlines()[1] == f"{s5}/utils/run.pl"


def test_speaker_adversarial_variant_adds_one_reversed_speaker_head():
    conf = EGS / "speechocean762" / "s5" / "conf"
    mtl, adv = load_config(conf / "mtl.yaml"), load_config(conf / "mtl_spkadv.yaml")
    assert [t.to_dict() for t in adv.tasks[:-1]] == [t.to_dict() for t in mtl.tasks]
    spk = adv.tasks[-1]
    assert (spk.source, spk.label, spk.adversarial) == ("label", "spk", True)
    assert adv.to_dict()["model"] == mtl.to_dict()["model"]
    assert adv.to_dict()["train"] == mtl.to_dict()["train"]
