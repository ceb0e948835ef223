"""Multi-fidelity models of a trained family against its single-level models at equal DFT cost.

A multi-fidelity point (method, low level, high level, sampler, high size; medians over repeats)
costs the low level on the whole training half plus the high level on its subset. It is read
against three things, all tested on the test half against the reference level:

* ``direct``: the family's model trained on the same high-level subset alone (the learning curve
  at that size): what the cheap labels add;
* ``pretrained``: the low level's whole-half model alone: what the expensive labels add;
* the best single-level model of the family (any level, any size) and, when qSNAP's mixed
  fidelity ran, the best qSNAP mixed-fidelity point, within the same DFT budget.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.pareto import OBJECTIVES, summarize
from ..axes.mixed import setting_name
from .fit import WHOLE_HALF
from .report import trained_summary

MF_KEYS = ["family", "method", "low_level", "high_level", "sampler", "low_size", "high_size"]
COST, ENERGY, FORCE = OBJECTIVES


def summarize_multifidelity(rows: pd.DataFrame) -> pd.DataFrame:
    """Medians over repeats of multi-fidelity rows (16th/84th percentiles of the errors)."""
    numeric = rows.drop(columns=["model", "model_store_key", "pretrained_store_key",
                                 "train_level"], errors="ignore")
    out = summarize(numeric, keys=MF_KEYS)
    for col in ("low_level", "high_level"):
        out[col] = out[col].astype(str)
    return out


def _single_setting(point: pd.Series) -> str:
    size = ("whole half" if point["sampler"] == WHOLE_HALF
            else f"{int(point['size'])} {point['sampler']}")
    return f"L{point['train_level']} × {size}"


def _qsnap_mixed_setting(point: pd.Series) -> str:
    return f"2J{int(point['twojmax'])} {setting_name(point)}"


def _best_within(points: pd.DataFrame, budget: float, objective: str, name) -> tuple:
    """(error, setting, cost) of the lowest ``objective`` of ``points`` costing ≤ ``budget``."""
    within = points[points[COST] <= budget * (1 + 1e-9)]
    if within.empty:
        return np.nan, "", np.nan
    best = within.loc[within[objective].idxmin()]
    return float(best[objective]), name(best), float(best[COST])


def multifidelity_vs_single(mf: pd.DataFrame, trained: pd.DataFrame,
                            qsnap_mixed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per multi-fidelity point (``mf``: summarize_multifidelity) with its direct and
    pre-trained baselines and the best single-level (``trained``: the family's rows) and qSNAP
    mixed-fidelity points (``qsnap_mixed``: mixed_fidelity/points.csv) within its DFT cost;
    ``beats_single``: no single-level model of the family costs at most as much and errs at most
    as much in both energy and force (with one strictly lower)."""
    single = trained_summary(trained)
    single["train_level"] = single["train_level"].astype(str)
    rows = []
    for _, point in mf.iterrows():
        fam = single[single["family"] == point["family"]]
        row = {k: point[k] for k in MF_KEYS}
        row.update({"n_repeats": int(point["n_repeats"]), COST: float(point[COST]),
                    ENERGY: float(point[ENERGY]), FORCE: float(point[FORCE])})
        direct = fam[(fam["train_level"] == point["high_level"])
                     & (fam["sampler"] == point["sampler"]) & (fam["size"] == point["high_size"])]
        pretrained = fam[(fam["train_level"] == point["low_level"])
                         & (fam["sampler"] == WHOLE_HALF)]
        gains = {}
        for name, base in (("direct", direct), ("pretrained", pretrained)):
            for obj, short in ((ENERGY, "energy"), (FORCE, "force")):
                value = float(base[obj].iloc[0]) if len(base) else np.nan
                row[f"{name}_{obj[len('test_'):]}"] = value
                gains[f"{short}_gain_vs_{name}_percent"] = 100 * (value - row[obj]) / value
        row.update(gains)
        dominated = ((fam[COST] <= point[COST]) & (fam[ENERGY] <= point[ENERGY])
                     & (fam[FORCE] <= point[FORCE])
                     & ((fam[COST] < point[COST]) | (fam[ENERGY] < point[ENERGY])
                        | (fam[FORCE] < point[FORCE])))
        row["beats_single"] = not bool(dominated.any())
        for obj, short in ((ENERGY, "energy"), (FORCE, "force")):
            value, setting, cost = _best_within(fam, point[COST], obj, _single_setting)
            row.update({f"best_single_{short}_rmse": value, f"best_single_{short}_setting": setting,
                        f"best_single_{short}_cost_s": cost})
            if qsnap_mixed is not None and len(qsnap_mixed):
                value, setting, cost = _best_within(qsnap_mixed, point[COST], obj,
                                                    _qsnap_mixed_setting)
                row.update({f"qsnap_mixed_best_{short}_rmse": value,
                            f"qsnap_mixed_best_{short}_setting": setting})
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        table["dft_cost_min"] = table[COST] / 60.0
    return table


def multifidelity_plot(mf: pd.DataFrame, trained: pd.DataFrame, levels: list[str],
                       path: Path, qsnap_mixed: pd.DataFrame | None = None) -> None:
    """Test errors against the reference vs DFT cost: each level's single-level models of the
    family (learning curve and whole half, medians), the multi-fidelity points (marker: method,
    colour: the low level, label: high-level configurations) and, when given, the lowest qSNAP
    mixed-fidelity error within each budget (grey steps)."""
    from .report import _plt
    plots, plt = _plt()
    single = trained_summary(trained)
    single["train_level"] = single["train_level"].astype(str)
    colors = plots._level_colors(levels)
    markers = {"finetune": "*", "multihead": "D"}
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
    for ax, (obj, label) in zip(axes, ((ENERGY, "test energy RMSE vs reference (meV/atom)"),
                                       (FORCE, "test force RMSE vs reference (meV/Å)"))):
        for (family, lvl), sel in single.groupby(["family", "train_level"]):
            sel = sel.sort_values(COST)
            curve = sel[sel["sampler"] != WHOLE_HALF]
            style = {"color": colors[lvl], "alpha": 0.8}
            if len(curve):
                ax.plot(sel[COST] / 60, sel[obj], marker="o", ms=3, linewidth=1,
                        label=f"{family}, level {lvl} alone", **style)
            else:
                ax.scatter(sel[COST] / 60, sel[obj], marker="o", s=18,
                           label=f"{family}, level {lvl} alone (whole half)", **style)
        for (family, method, low), sel in mf.groupby(["family", "method", "low_level"]):
            ax.scatter(sel[COST] / 60, sel[obj], marker=markers.get(method, "s"), s=90,
                       color=colors.get(str(low), "grey"), edgecolor="black", linewidth=0.7,
                       zorder=3, label=f"{family} {method}: level {low} whole half + "
                                       f"level {sel['high_level'].iloc[0]}")
            for _, p in sel.iterrows():
                ax.annotate(f"{int(p['high_size'])}", (p[COST] / 60, p[obj]),
                            textcoords="offset points", xytext=(5, 4), fontsize=7)
        if qsnap_mixed is not None and len(qsnap_mixed):
            q = qsnap_mixed.sort_values(COST)
            ax.step(q[COST] / 60, np.minimum.accumulate(q[obj].to_numpy()), where="post",
                    color="grey", linewidth=1, linestyle="--",
                    label="qSNAP mixed fidelity, best within budget")
        ax.set_xscale("log")
        ax.set_yscale("log")
        plots._label_log_axes(ax, "DFT cost of the training labels (min)", label)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=7)
    fig.suptitle("Multi-fidelity training against single-level training at equal DFT cost "
                 "(numbers: high-level configurations)")
    plots._save(fig, path)
