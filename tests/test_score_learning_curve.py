"""learning_curve: one point per make_results report (issue 14 item 6), the gain exactly as the report has it."""

import pytest

from mtlhybrid.bin import learning_curve
from mtlhybrid.score.learning_curve import curve_point, format_curve_md, read_points
from mtlhybrid.score.records import BootstrapTest, Gain, Results, Stat
from mtlhybrid.utils.errors import DataError


def report(path, rel, low, high, p, test="test_unseen", systems=("nnet_mtl",)):
    gains = []
    for k, sys_ in enumerate(systems):
        for t in ("dev", test):
            b = BootstrapTest(rel + k, low, high, p, 100, 100 + int(rel), 2000, 12, 240, 1000)
            gains.append(Gain(sys_, "nnet_base", t, Stat(rel + k, 1.0, 3, [rel] * 3, [1, 2, 3]), Stat(0.1, 0.1, 3), 2, b))
    res = Results(str(path.parent), ["dev", test], [1, 2, 3], "accent", [], [], baseline="nnet_base", gains=gains)
    res.save(path)
    return path


def test_points_carry_the_reports_bootstrap(tmp_path):
    a = report(tmp_path / "a.json", -20.0, -35.5, -4.0, 0.01)
    b = report(tmp_path / "b.json", -5.0, -15.0, 6.0, 0.4)
    pts = read_points([("6x30", a), ("48x30", b)], "test_unseen")
    assert [p.label for p in pts] == ["6x30", "48x30"]
    assert (pts[0].relative, pts[0].low, pts[0].high, pts[0].p_value) == (-20.0, -35.5, -4.0, 0.01)
    assert (pts[1].errors_baseline, pts[1].errors_system, pts[1].words, pts[1].seeds) == (100, 95, 2000, 3)
    md = format_curve_md(pts)
    assert "| 6x30 " in md and "[-35.5, -4.0]" in md and "0.010" in md and "0.400" in md
    two = report(tmp_path / "two.json", -5.0, -15.0, 6.0, 0.4, systems=("nnet_mtl", "nnet_x"))
    with pytest.raises(DataError, match="several networks"):
        read_points([("x", two)], "test_unseen")
    assert curve_point("x", Results.load(two), "test_unseen", "nnet_x").relative == -4.0
    with pytest.raises(DataError, match="no gain of nnet_mtl over the baseline on test_seen"):
        read_points([("x", a)], "test_seen", "nnet_mtl")


def test_tool_writes_table_and_plot(tmp_path, capsys):
    a = report(tmp_path / "a.json", -20.0, -35.5, -4.0, 0.01)
    b = report(tmp_path / "b.json", -5.0, None, None, None)
    out = tmp_path / "lc"
    assert learning_curve.main(["--system", "nnet_mtl", f"12x30={a}", f"48x10={b}", str(out)]) == 0
    assert "| 48x10 " in capsys.readouterr().out
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "n/a" in (out / "learning_curve.md").read_text()
    assert learning_curve.main([f"{a}", str(out)]) == 1
    assert "expected <label>=<results.json>" in capsys.readouterr().err
