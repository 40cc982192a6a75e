"""``wer_per_accent.png``: table 2 of the results report as grouped bars.

One group of bars per label value (accent), one bar per system; systems with several
seeds show the mean with the standard deviation as an error bar. Unseen accents are
hatched, labelled ``(unseen)`` and set apart on a grey background, so the question the
recipe asks (does multi-task training help on accents the network never heard?) can be
read off the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from mtlhybrid.score.records import Results
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write


def plot_wer_per_label(results: Results, path: Union[str, Path], dpi: int = 120) -> Path:
    """Write the PNG; a DataError when no system has a per-label table to plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in results.groups if g.name in results.label_wer]
    labels = results.labels
    if not groups or not labels:
        raise DataError(f"no per_{results.label} WER to plot (no wer_details/per_{results.label} in any decode dir)",
                        path=results.exp_dir)
    unseen = set(results.unseen)
    n_sys = len(groups)
    width = 0.8 / n_sys
    fig_w = min(max(6.0, 0.9 * len(labels) * max(1.0, n_sys / 3) + 2.5), 24.0) + 2.5  # + legend
    fig, ax = plt.subplots(figsize=(fig_w, 4.8))
    colors = plt.get_cmap("tab10").colors
    for i, lab in enumerate(labels):
        if lab in unseen:
            ax.axvspan(i - 0.5, i + 0.5, color="0.92", zorder=0)
    for j, g in enumerate(groups):
        xs, ys, errs, hatches = [], [], [], []
        for i, lab in enumerate(labels):
            st = results.label_wer[g.name].get(lab)
            if st is None or st.mean is None:
                continue
            xs.append(i - 0.4 + width * (j + 0.5))
            ys.append(st.mean)
            errs.append(st.std or 0.0)
            hatches.append("//" if lab in unseen else "")
        seeded = any(s is not None for s in g.seeds)
        name = f"{g.name} (mean of {len(g.runs)} seeds)" if seeded and len(g.runs) > 1 else g.name
        bars = ax.bar(xs, ys, width, label=name, color=colors[j % len(colors)], edgecolor="black", linewidth=0.5,
                      yerr=errs if seeded and any(errs) else None, capsize=2, zorder=2)
        for b, h in zip(bars, hatches):
            b.set_hatch(h)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([f"{lab}\n(unseen)" if lab in unseen else lab for lab in labels],
                       rotation=30 if len(labels) > 5 else 0, ha="right" if len(labels) > 5 else "center", fontsize=9)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylabel("WER (%)")
    ax.set_xlabel(results.label + ("   (hatched, grey: unseen in training)" if unseen else ""))
    ax.set_title(f"WER per {results.label}, pooled over {', '.join(results.test_sets)}", fontsize=10)
    ax.grid(axis="y", alpha=0.3, zorder=1)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)  # outside: never hides bars
    top = max((st.mean + (st.std or 0) for g in groups for st in results.label_wer[g.name].values()
               if st.mean is not None), default=1.0)
    ax.set_ylim(0, max(top * 1.08, 1.0))
    fig.tight_layout()
    path = Path(path)
    with atomic_write(path, "wb", encoding=None) as f:
        fig.savefig(f, format="png", dpi=dpi)
    plt.close(fig)
    return path
