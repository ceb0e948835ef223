"""Figures: accuracy against DFT cost with the Pareto front, parity of levels, learning curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..dft.labels import Labels  # noqa: E402
from .pareto import OBJECTIVES  # noqa: E402
from ..io.storage import atomic_path  # noqa: E402


def _save(fig, path: Path) -> None:
    """PNG (for the report) and PDF (for papers) of every figure."""
    if not fig.get_layout_engine():
        fig.tight_layout()  # keeps a panel's axis label out of its neighbour
    for target in (path, path.with_suffix(".pdf")):
        with atomic_path(target, suffix=target.suffix) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight", format=target.suffix.lstrip("."))
    plt.close(fig)


def tidy_log_axis(axis) -> None:
    """Readable ticks on a log axis whatever its range: majors at 1-2-5 steps, plain numbers
    (no 10^x on short ranges), unlabelled minors (their labels collide on short ranges)."""
    lo, hi = sorted(axis.get_view_interval())
    decades = np.log10(hi / lo) if lo > 0 and hi > 0 else 10.0
    # about four to eight labels whatever the range
    subs = ((1.0,) if decades > 4 else (1.0, 3.0) if decades > 2 else (1.0, 2.0, 5.0)
            if decades > 1.0 else (1.0, 2.0, 3.0, 5.0) if decades > 0.8
            else (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0))
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _level_colors(levels):
    cmap = plt.get_cmap("viridis")
    return {lvl: cmap(i / max(len(levels) - 1, 1)) for i, lvl in enumerate(levels)}


def pareto_plot(points: pd.DataFrame, path: Path, cost_col: str, cost_label: str,
                energy_col: str, force_col: str, title: str) -> None:
    """Test errors against DFT cost, coloured by training level; front points outlined."""
    levels = sorted(points["train_level"].astype(str).unique(), key=lambda s: (len(s), s))
    colors = _level_colors(levels)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    for ax, col, label in ((axes[0], energy_col, "test energy RMSE vs reference (meV/atom)"),
                           (axes[1], force_col, "test force RMSE vs reference (meV/Å)")):
        for lvl in levels:
            sel = points[points["train_level"].astype(str) == lvl]
            ax.scatter(sel[cost_col], sel[col], s=14, color=colors[lvl], alpha=0.35,
                       label=f"level {lvl}")
            front = sel[sel["on_front"]]
            ax.scatter(front[cost_col], front[col], s=34, facecolor=colors[lvl],
                       edgecolor="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.25)
    for ax in axes:
        tidy_log_axis(ax.xaxis)
        tidy_log_axis(ax.yaxis)
    fig.supxlabel(cost_label, fontsize=10)
    axes[0].legend(fontsize=8, title="training level (outlined: front)", title_fontsize=8)
    fig.suptitle(title)
    _save(fig, path)


def parity_plot(labels: list[Labels], reference: str, path: Path) -> None:
    """Energy per atom and force components of every level against the reference level."""
    ref = next(lab for lab in labels if lab.level == reference)
    others = [lab for lab in labels if lab.level != reference]
    colors = _level_colors([lab.level for lab in labels])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    for lab in others:
        both = lab.ok & ref.ok
        axes[0].scatter(ref.energy_per_atom[both], lab.energy_per_atom[both], s=10,
                        color=colors[lab.level], label=f"level {lab.level}")
        atoms = np.repeat(both, lab.n_atoms)
        axes[1].scatter(ref.forces[atoms].ravel(), lab.forces[atoms].ravel(), s=4,
                        color=colors[lab.level], alpha=0.6)
    for ax, unit, name in ((axes[0], "eV/atom", "energy"), (axes[1], "eV/Å", "force component")):
        lim = ax.get_xlim()
        ax.plot(lim, lim, color="black", lw=0.8)
        ax.set_xlabel(f"reference level {reference} {name} ({unit})")
        ax.set_ylabel(f"{name} at level ({unit})")
    axes[0].legend(fontsize=8)
    fig.suptitle("DFT labels of each level against the reference level")
    _save(fig, path)


def learning_curves(summary: pd.DataFrame, path: Path, energy_weight: float, level: str,
                    title: str | None = None) -> None:
    """Test errors against training size per sampler (median, 16th–84th percentile band): the
    paper's sampler comparison (Sec. 3.4)."""
    sel = summary[(summary["energy_weight"] == energy_weight)
                  & (summary["train_level"].astype(str) == str(level))]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for (twojmax, sampler), grp in sel.groupby(["twojmax", "sampler"]):
        grp = grp.sort_values("size")
        for ax, col in ((axes[0], "test_energy_rmse_meV_per_atom_vs_reference"),
                        (axes[1], "test_force_rmse_meV_per_A_vs_reference")):
            line, = ax.plot(grp["size"], grp[col], marker="o", ms=3,
                            label=f"2Jmax {twojmax}, {sampler}")
            ax.fill_between(grp["size"], grp[col + "_p16"], grp[col + "_p84"],
                            color=line.get_color(), alpha=0.15)
    axes[0].set_ylabel("test energy RMSE vs reference (meV/atom)")
    axes[1].set_ylabel("test force RMSE vs reference (meV/Å)")
    sizes = sorted(int(v) for v in sel["size"].unique())
    for ax in axes:
        ax.set_xlabel("training configurations")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.25)
        tidy_log_axis(ax.xaxis)
        tidy_log_axis(ax.yaxis)
        if len(sizes) <= 10:  # label the sizes that were fitted
            ax.set_xticks(sizes, [str(v) for v in sizes],
                          rotation=45 if len(sizes) > 6 else 0)
    axes[0].legend(fontsize=7)
    fig.suptitle(title or f"Sampler comparison: trained on level {level}, energy weight "
                 f"{energy_weight:g}")
    _save(fig, path)


def _level_key(level) -> tuple:
    return (len(str(level)), str(level))


def pareto_2d(whole_half: pd.DataFrame, path: Path, title: str | None = None) -> None:
    """Test energy vs force RMSE (against the reference) over energy weights, models trained on
    the whole training half, one curve per training level, one panel per 2Jmax (the paper's 2D
    front, Sec. 3.3)."""
    full = whole_half.groupby(["twojmax", "train_level", "energy_weight"], as_index=False).median(
        numeric_only=True)
    twojmaxes = sorted(full["twojmax"].unique())
    levels = sorted(full["train_level"].astype(str).unique(), key=_level_key)
    colors = _level_colors(levels)
    fig, axes = plt.subplots(1, len(twojmaxes), figsize=(5 * len(twojmaxes), 4.2), squeeze=False)
    for ax, twojmax in zip(axes[0], twojmaxes):
        for level in levels:
            grp = full[(full["twojmax"] == twojmax) & (full["train_level"].astype(str) == level)]
            grp = grp.sort_values("energy_weight")
            ax.plot(grp["test_force_rmse_meV_per_A_vs_reference"],
                    grp["test_energy_rmse_meV_per_atom_vs_reference"], marker="o", ms=3,
                    color=colors[level], label=f"level {level}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        tidy_log_axis(ax.xaxis)
        tidy_log_axis(ax.yaxis)
        ax.set_xlabel("test force RMSE vs reference (meV/Å)")
        ax.set_ylabel("test energy RMSE vs reference (meV/atom)")
        weights = sorted(full["energy_weight"].unique())
        ax.set_title(f"2Jmax {twojmax}: {len(weights)} energy weights "
                     f"{weights[0]:g}–{weights[-1]:g}", fontsize=10)
        ax.grid(True, which="both", alpha=0.25)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title or "Energy/force trade-off, whole training half")
    _save(fig, path)


def error_vs_level(whole_half: pd.DataFrame, path: Path, weights: dict[str, float]) -> None:
    """Test errors against the reference vs training level, one line per 2Jmax and weighting
    (whole training half; solid: energy-weighted, dashed: force-weighted, as Tables 4/5)."""
    levels = sorted(whole_half["train_level"].astype(str).unique(), key=_level_key)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    styles = dict(zip(weights, ("-", "--", ":")))
    for name, weight in weights.items():
        sel = whole_half[np.isclose(whole_half["energy_weight"], weight)]
        for i, (twojmax, grp) in enumerate(sel.groupby("twojmax")):
            grp = grp.assign(order=grp["train_level"].astype(str).map(levels.index))
            grp = grp.sort_values("order")
            for ax, col in ((axes[0], "test_energy_rmse_meV_per_atom_vs_reference"),
                            (axes[1], "test_force_rmse_meV_per_A_vs_reference")):
                ax.plot(grp["order"], grp[col], marker="o", linestyle=styles[name],
                        color=f"C{i}", label=f"2Jmax {twojmax}, {name.replace('_', ' ')} "
                                             f"({weight:g})")
    for ax, label in ((axes[0], "test energy RMSE vs reference (meV/atom)"),
                      (axes[1], "test force RMSE vs reference (meV/Å)")):
        ax.set_xticks(range(len(levels)), levels)
        ax.set_xlabel("training level")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        tidy_log_axis(ax.yaxis)
        ax.grid(True, which="both", alpha=0.25)
    axes[0].legend(fontsize=7)
    fig.suptitle("Error vs training level (whole training half)")
    _save(fig, path)


def residual_correlation_plot(residuals: pd.DataFrame, correlation: pd.DataFrame, path: Path,
                              energy_weight: float, reference: str) -> None:
    """Per test configuration: the model's energy error against the reference vs the DFT error
    of its training level (the paper's SI Figs. S4-S7), one panel per level below the
    reference, one colour per 2Jmax, Pearson's r in the legend."""
    sel = residuals[np.isclose(residuals["energy_weight"], energy_weight)
                    & (residuals["train_level"].astype(str) != str(reference))]
    levels = sorted(sel["train_level"].astype(str).unique(), key=_level_key)
    if not levels:
        return
    ncols = min(len(levels), 3)
    nrows = -(-len(levels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.8 * nrows), squeeze=False)
    for ax, level in zip(axes.ravel(), levels):
        for i, (twojmax, grp) in enumerate(sel[sel["train_level"].astype(str) == level]
                                           .groupby("twojmax")):
            r = correlation[(correlation["twojmax"] == twojmax)
                            & (correlation["train_level"].astype(str) == level)
                            & np.isclose(correlation["energy_weight"], energy_weight)]
            ax.scatter(grp["dft_error_meV_per_atom"], grp["model_error_meV_per_atom"], s=8,
                       alpha=0.6, color=f"C{i}",
                       label=f"2Jmax {twojmax}: r = {r['energy_pearson_r'].iloc[0]:.2f} (E), "
                             f"{r['force_pearson_r'].iloc[0]:.2f} (F)")
        lim = np.array([ax.get_xlim(), ax.get_ylim()])
        lo, hi = lim.min(), lim.max()
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.7)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(f"trained on level {level}", fontsize=10)
        ax.set_xlabel(f"DFT error, level {level} − {reference} (meV/atom)")
        ax.set_ylabel(f"model − level {reference} (meV/atom)")
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.25)
    for ax in axes.ravel()[len(levels):]:
        ax.set_visible(False)
    fig.suptitle(f"Do models inherit their training level's DFT error? Test half, energy weight "
                 f"{energy_weight:g}, whole training half")
    fig.tight_layout()
    _save(fig, path)


def _clip_to_medians(ax, medians: pd.Series) -> None:
    """A decade either side of the medians: an interval far wider than that says enough at the
    axis edge, and must not squash the medians into a line."""
    lo, hi = float(np.nanmin(medians)), float(np.nanmax(medians))
    if lo > 0:
        ax.set_ylim(lo / 10.0, hi * 10.0)


def plan_curves(predictions: pd.DataFrame, pilot: pd.DataFrame, path: Path, setting: dict,
                targets: dict, pilot_size: int, title: str) -> None:
    """Predicted test errors against training size per level for one (2Jmax, sampler, energy
    weight): median line, interval band, the pilot's medians as points, the targets dashed."""
    keys = ("twojmax", "sampler", "energy_weight")
    pred = predictions[np.logical_and.reduce([predictions[k] == setting[k] for k in keys])]
    if "fitted_from_size" in pred:      # a transient's curve starts at its peak
        pred = pred[pred["size"] >= pred["fitted_from_size"]]
    pred = pred[pred["predicted"].notna()]
    seen = pilot[np.logical_and.reduce([pilot[k] == setting[k] for k in keys])]
    levels = sorted(set(pred["train_level"].astype(str)) | set(seen["train_level"].astype(str)),
                    key=_level_key)
    colors = _level_colors(levels)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric, column, label in (
            (axes[0], "energy", "test_energy_rmse_meV_per_atom_vs_reference",
             "test energy RMSE vs reference (meV/atom)"),
            (axes[1], "force", "test_force_rmse_meV_per_A_vs_reference",
             "test force RMSE vs reference (meV/Å)")):
        for lvl in levels:
            p = pred[(pred["metric"] == metric) & (pred["train_level"].astype(str) == lvl)]
            p = p.sort_values("size")
            s = seen[seen["train_level"].astype(str) == lvl].groupby("size")[column].median()
            if len(p):
                ax.plot(p["size"], p["predicted"], color=colors[lvl], label=f"level {lvl}")
                ax.fill_between(p["size"], p["lower"], p["upper"], color=colors[lvl], alpha=0.15)
                ax.scatter(s.index, s.values, color=colors[lvl], s=16, zorder=3)
            else:
                # the pilot does not identify this curve: its medians, hollow, and no prediction
                ax.scatter(s.index, s.values, s=16, zorder=3, facecolors="none",
                           edgecolors=colors[lvl], label=f"level {lvl} (not identified)")
        target = targets.get(metric)
        if target:
            ax.axhline(target, color="0.3", ls="--", lw=1, label="target")
        ax.axvline(pilot_size, color="0.6", ls=":", lw=1, label="pilot size")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _clip_to_medians(ax, pd.concat([pred.loc[pred["metric"] == metric, "predicted"],
                                        seen.groupby(["train_level", "size"])[column].median(),
                                        pd.Series([target] if target else [], dtype=float)]))
        _label_log_axes(ax, "training configurations", label)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    _save(fig, path)


def _label_log_axes(ax, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.25)
    tidy_log_axis(ax.xaxis)
    tidy_log_axis(ax.yaxis)


def predicted_front(candidates: pd.DataFrame, path: Path, title: str) -> None:
    """The predicted front (DFT cost against predicted median errors) with each point's
    interval, coloured by training level; every candidate faint behind it."""
    levels = sorted(candidates["train_level"].astype(str).unique(), key=_level_key)
    colors = _level_colors(levels)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    if candidates.empty:
        for ax in axes:
            ax.set_axis_off()
        fig.text(0.5, 0.5, "The pilot identified no learning curve, so there is no front to "
                 "predict.\nThe plan's log and plan.csv give the pilot size that would.",
                 ha="center", va="center")
        fig.suptitle(title)
        _save(fig, path)
        return
    cost = candidates["dft_cost_s"] / 3600.0
    for ax, metric, label in ((axes[0], "energy", "predicted test energy RMSE (meV/atom)"),
                              (axes[1], "force", "predicted test force RMSE (meV/Å)")):
        for lvl in levels:
            sel = candidates["train_level"].astype(str) == lvl
            ax.scatter(cost[sel], candidates.loc[sel, f"predicted_{metric}"], s=6,
                       color=colors[lvl], alpha=0.15)
            front = sel & candidates["on_predicted_front"]
            mid = candidates.loc[front, f"predicted_{metric}"]
            ax.errorbar(cost[front], mid,
                        yerr=[mid - candidates.loc[front, f"lower_{metric}"],
                              candidates.loc[front, f"upper_{metric}"] - mid],
                        fmt="o", ms=3, color=colors[lvl], elinewidth=0.8, label=f"level {lvl}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _clip_to_medians(ax, candidates[f"predicted_{metric}"])
        _label_log_axes(ax, "DFT cost of the training set (core-hours)", label)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    _save(fig, path)

MIXED_MARKERS = {"delta": "o", "joint_offset": "s", "split_energy_high": "^",
                 "split_force_high": "v"}


def mixed_fidelity_plot(single: pd.DataFrame, mixed: pd.DataFrame, path: Path) -> None:
    """Test errors against DFT cost: the single-level points and the lowest error each reaches
    within a budget (staircase), the mixed points by method; filled where no single-level point
    is as cheap and as accurate in both errors. One row of panels per 2Jmax."""
    from .pareto import OBJECTIVES

    cost, energy, force = OBJECTIVES
    twojmaxes = sorted(mixed["twojmax"].unique())
    fig, axes = plt.subplots(len(twojmaxes), 2, figsize=(11, 1.0 + 4.0 * len(twojmaxes)),
                             squeeze=False, layout="constrained")
    for row, twojmax in zip(axes, twojmaxes):
        one = single[single["twojmax"] == twojmax].sort_values(cost)
        mix = mixed[mixed["twojmax"] == twojmax]
        one_min, mix_min = one[cost] / 60.0, mix[cost] / 60.0
        for ax, col, label in ((row[0], energy, "test energy RMSE vs reference (meV/atom)"),
                               (row[1], force, "test force RMSE vs reference (meV/Å)")):
            ax.scatter(one_min, one[col], s=10, color="0.6", alpha=0.5,
                       label="single level (sweep medians)")
            ax.step(one_min, one[col].cummin(), where="post", color="k", lw=1.2,
                    label="best single level within budget")
            for i, (method, marker) in enumerate(MIXED_MARKERS.items()):
                sel = mix[mix["method"] == method]
                if sel.empty:
                    continue
                wins = sel[sel["beats_single_levels"]]
                ax.scatter(mix_min[sel.index], sel[col], s=22, marker=marker, facecolors="none",
                           edgecolors=f"C{i}", lw=0.8, label=f"mixed: {method.replace('_', ' ')}")
                ax.scatter(mix_min[wins.index], wins[col], s=22, marker=marker, color=f"C{i}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            tidy_log_axis(ax.xaxis)
            tidy_log_axis(ax.yaxis)
            ax.set_xlabel("DFT cost of the training labels, both levels (min)")
            ax.set_ylabel(label)
            ax.set_title(f"2Jmax {twojmax}")
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
               fontsize=8)
    fig.suptitle("Mixed-fidelity training against single-level training "
                 "(filled: not dominated by any single-level point)", fontsize=10)
    _save(fig, path)


def label_noise_plot(summary: pd.DataFrame, levels: pd.DataFrame, path: Path) -> None:
    """Test error against the noise added to the reference level's training labels (median and
    16-84 % band over draws, with the closed-form expectation); each level placed at its own
    RMSD: its model's error (filled) and that of noise of the same size (open)."""
    twojmaxes = sorted(summary["twojmax"].unique())
    fig, axes = plt.subplots(len(twojmaxes), 2, figsize=(11, 1.0 + 4.0 * len(twojmaxes)),
                             squeeze=False, layout="constrained")
    level_names = sorted(levels["level"].astype(str).unique(), key=_level_key)
    colors = _level_colors(level_names)
    panels = (("energy", "sigma_energy_meV_per_atom", "test_energy_rmse_meV_per_atom",
               "σ_E of the energy noise (meV/atom)", "test energy RMSE vs clean reference (meV/atom)"),
              ("force", "sigma_force_meV_per_A", "test_force_rmse_meV_per_A",
               "σ_F of the force noise (meV/Å)", "test force RMSE vs clean reference (meV/Å)"))
    for row, twojmax in zip(axes, twojmaxes):
        for ax, (kind, sigma, err, xlabel, ylabel) in zip(row, panels):
            curve = summary[(summary["twojmax"] == twojmax) & (summary["noise"] == kind)]
            curve = curve.sort_values(sigma)
            clean = curve[curve[sigma] == 0]
            noisy = curve[curve[sigma] > 0]
            ax.plot(noisy[sigma], noisy[f"{err}_vs_reference"], "o-", color="C3", ms=4,
                    label="noise on the reference level's labels (median of draws, 16-84 %)")
            ax.fill_between(noisy[sigma], noisy[f"{err}_vs_reference_p16"],
                            noisy[f"{err}_vs_reference_p84"], color="C3", alpha=0.2, lw=0)
            ax.plot(noisy[sigma], noisy[f"expected_{err}"], "--", color="k", lw=1,
                    label="closed-form expectation")
            if not clean.empty:
                ax.axhline(clean[f"{err}_vs_reference"].iloc[0], color="0.5", lw=0.8, ls=":",
                           label="no noise (the model's own error)")
            lv = levels[levels["twojmax"] == twojmax]
            for _, point in lv.iterrows():
                name = str(point["level"])
                own = f"level_model_{err.removeprefix('test_')}_vs_reference"
                ax.scatter(point[sigma], point[own], s=40,
                           color=colors[name], edgecolors="k", lw=0.5, zorder=3,
                           label=f"level {name}: its model")
                ax.scatter(point[sigma], point[f"{err}_vs_reference"], s=40, facecolors="none",
                           edgecolors=colors[name], lw=1.2, zorder=3)
                ax.scatter(point[sigma], np.hypot(point[f"noise_free_{err}"], point[sigma]),
                           s=40, marker="x", color=colors[name], lw=1.2, zorder=3)
            ax.set_xscale("log")
            ax.set_yscale("log")
            tidy_log_axis(ax.xaxis)
            tidy_log_axis(ax.yaxis)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.set_title(f"2Jmax {twojmax}: {kind} noise" + ("" if lv.empty else
                         "; levels at their RMSD (open: noise of that size)"), fontsize=9)
    handles, names = axes[0][0].get_legend_handles_labels()
    if not levels.empty:
        handles.append(plt.Line2D([], [], marker="o", ls="", mfc="none", mec="0.3"))
        names.append("open: model trained on random noise of the level's RMSD")
        handles.append(plt.Line2D([], [], marker="x", ls="", color="0.3"))
        names.append("×: a systematic error of that RMSD, learned in full")
    fig.legend(handles, names, loc="outside lower center", ncol=3, fontsize=8)
    _save(fig, path)


def cutoff_plot(models: pd.DataFrame, summary: pd.DataFrame, path: Path) -> None:
    """Accuracy against MD cost per (2Jmax, cutoff): the reference-level model at the largest
    training size, one line per 2Jmax through its cutoffs; and the DFT cost / MD cost plane of
    the 4-objective front's settings, coloured by cutoff."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    cmap = plt.get_cmap("plasma")
    cutoffs = sorted(models["cutoff_A"].unique())
    colors = {c: cmap(i / max(len(cutoffs) - 1, 1) * 0.85) for i, c in enumerate(cutoffs)}
    md_us = 1e6 / models["md_atom_timesteps_per_s"]
    for ax, col, label in ((axes[0], "test_energy_rmse_meV_per_atom_vs_reference",
                            "test energy RMSE vs reference (meV/atom)"),
                           (axes[1], "test_force_rmse_meV_per_A_vs_reference",
                            "test force RMSE vs reference (meV/Å)")):
        for twojmax, grp in models.groupby("twojmax"):
            ax.plot(md_us[grp.index], grp[col], "-", color="0.6", lw=1)
            ax.annotate(f"2Jmax {twojmax}", (md_us[grp.index].iloc[-1], grp[col].iloc[-1]),
                        fontsize=7, xytext=(4, 2), textcoords="offset points")
        for cutoff in cutoffs:
            sel = models[models["cutoff_A"] == cutoff]
            ax.scatter(md_us[sel.index], sel[col], color=colors[cutoff], s=36, zorder=3,
                       label=f"cutoff {cutoff:.2f} Å")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _label_log_axes(ax, "MD cost (µs per atom per timestep)", label)
        ax.set_title("Reference-level model, largest training set", fontsize=9)
    ax = axes[2]
    front_pts = summary[summary["on_front"]]
    for cutoff in cutoffs:
        sel = front_pts[np.isclose(front_pts["cutoff_A"], cutoff)]
        ax.scatter(sel["dft_cost_s"] / 60.0, 1e6 * sel["md_cost_s_per_atom_timestep"],
                   color=colors[cutoff], s=14, alpha=0.7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _label_log_axes(ax, "DFT cost of the training set (min)", "MD cost (µs per atom per timestep)")
    ax.set_title(f"{len(front_pts)} settings on the front over 2Jmax × cutoff\n"
                 "(DFT cost, energy and force errors, MD cost)", fontsize=9)
    axes[1].legend(fontsize=8)
    _save(fig, path)


PROPERTY_LABELS = {"a_A": "a (Å)", "volume_A3_per_atom": "V (Å³/atom)",
                   "bulk_modulus_GPa": "B (GPa)", "vacancy_formation_unrelaxed_eV":
                   "vacancy, unrelaxed (eV)"}


def _property_label(name: str) -> str:
    for suffix, label in PROPERTY_LABELS.items():
        if name.endswith(suffix):
            return f"{name[:-len(suffix)].rstrip('_')} {label}"
    if "_minus_" in name:
        a, b = name.replace("_meV_per_atom", "").split("_minus_")
        return f"E({a}) − E({b}) (meV/atom)"
    if name.endswith("_GPa"):
        phase, constant = name[:-4].split("_")
        return f"{phase} {constant} (GPa)"
    return name


def property_plot(table: pd.DataFrame, reference_level: str, path: Path) -> None:
    """Each property against the training (or DFT) level: DFT at the level, black; each 2Jmax's
    model trained on the level, coloured; dashed: DFT at the reference level (Bayerl et al.
    2022, Fig. 3)."""
    from ..axes.properties_report import property_columns

    phase_order = {"hcp": 0, "bcc": 1, "fcc": 2}
    groups = ("_a_A", "_bulk_modulus_GPa", "_minus_", "_C", "_vacancy")

    def order(name: str) -> tuple:
        group = next((i for i, g in enumerate(groups) if g in name), len(groups))
        return group, phase_order.get(name.split("_")[0], 3), name

    # the volume says what the lattice constant says
    columns = sorted((c for c in property_columns(table) if "_volume_" not in c), key=order)
    n_cols = 4
    n_rows = int(np.ceil(len(columns) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(14, 2.9 * n_rows + 0.6), squeeze=False,
                             layout="constrained")
    levels = sorted(table["level"].astype(str).unique(), key=_level_key)
    x = {lvl: i for i, lvl in enumerate(levels)}
    sources = ["DFT", *sorted(s for s in table["source"].unique() if s != "DFT")]
    colors = {s: ("k" if s == "DFT" else f"C{i}") for i, s in enumerate(sources)}
    dft_ref = table[(table["source"] == "DFT") & (table["level"] == reference_level)]
    for ax, col in zip(axes.flat, columns):
        for source in sources:
            sel = table[table["source"] == source].copy()
            sel = sel.iloc[np.argsort([x[lvl] for lvl in sel["level"]])]
            ax.plot([x[lvl] for lvl in sel["level"]], sel[col], "o-" if source == "DFT" else "s--",
                    color=colors[source], ms=4, lw=1.2 if source == "DFT" else 1.0,
                    label=source if source == "DFT" else f"{source}, trained on the level")
        if len(dft_ref):
            ax.axhline(float(dft_ref[col].iloc[0]), color="0.5", ls=":", lw=0.8)
        ax.set_xticks(range(len(levels)), levels)
        ax.set_xlabel("level (DFT) / training level (model)", fontsize=8)
        ax.set_title(_property_label(col), fontsize=9)
        ax.grid(alpha=0.25)
    for ax in axes.flat[len(columns):]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="0.5", ls=":"))
    names.append(f"DFT at the reference level {reference_level}")
    fig.legend(handles, names, loc="outside lower center", ncol=len(names), fontsize=8)
    _save(fig, path)


def dft_floor_plot(summary: pd.DataFrame, floor: pd.DataFrame, levels: list[str], sampler: str,
                   path: Path) -> None:
    """Learning curves of every training level against the reference (median, 16–84 % band),
    one row per 2Jmax, with each level's DFT RMSD against the reference (Table 3) as a dashed
    line of its colour: where a curve flattens onto its line, the DFT error is the floor.
    ``floor``: claims.dft_floor's table, which also names each panel's energy weight."""
    summary = summary.assign(train_level=summary["train_level"].astype(str))
    twojmaxes = sorted(summary["twojmax"].unique())
    colors = _level_colors(levels)
    fig, axes = plt.subplots(len(twojmaxes), 2, figsize=(10, 3.6 * len(twojmaxes)),
                             squeeze=False)
    panels = (("energy", OBJECTIVES[1], "meV/atom", "meV_per_atom"),
              ("force", OBJECTIVES[2], "meV/Å", "meV_per_A"))
    for r, twojmax in enumerate(twojmaxes):
        for c, (name, col, unit, tag) in enumerate(panels):
            ax = axes[r, c]
            weight = float(floor.loc[floor["twojmax"] == twojmax,
                                     f"{name}_panel_energy_weight"].iloc[0])
            for level in levels:
                sel = summary[(summary["twojmax"] == twojmax) & (summary["train_level"] == level)
                              & (summary["sampler"] == sampler)
                              & np.isclose(summary["energy_weight"], weight)].sort_values("size")
                ax.plot(sel["size"], sel[col], marker="o", ms=3, color=colors[level],
                        label=f"level {level}")
                ax.fill_between(sel["size"], sel[col + "_p16"], sel[col + "_p84"],
                                color=colors[level], alpha=0.12)
                row = floor[(floor["twojmax"] == twojmax) & (floor["train_level"] == level)]
                rmsd = float(row[f"{name}_dft_rmsd_{tag}"].iloc[0])
                if rmsd > 0:
                    ax.axhline(rmsd, color=colors[level], linestyle="--", linewidth=1)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.25)
            tidy_log_axis(ax.xaxis)
            tidy_log_axis(ax.yaxis)
            ax.set_xlabel("training configurations")
            ax.set_ylabel(f"test {name} RMSE vs reference ({unit})")
            ax.set_title(f"2Jmax {twojmax}, {'energies' if name == 'energy' else 'forces'}, "
                         f"energy weight {weight:g}", fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="grey", linestyle="--"))
    labels.append("level's DFT RMSD vs reference (Table 3)")
    axes[0, 0].legend(handles, labels, fontsize=7)
    fig.suptitle(f"Learning curves per training level and the DFT floor ({sampler} sampling)")
    _save(fig, path)


def adaptive_plot(fits: pd.DataFrame, decisions: pd.DataFrame, outcome: dict, targets: dict,
                  confidence: float, path: Path) -> None:
    """The adaptive plan's rounds: per training level, the best validation error over 2Jmax and
    energy weights at each prefix size it bought (meV/atom, meV/Å vs the reference level) with
    the upper end of its ``confidence`` bound (what the plan compares with the targets), the
    targets dashed, the chosen model starred, and the DFT bought by each round."""
    from matplotlib.ticker import MaxNLocator
    from scipy.stats import norm

    z = norm.ppf(confidence)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    levels = sorted(fits["train_level"].astype(str).unique(), key=_level_key) if len(fits) else []
    colors = _level_colors(levels)
    for ax, metric, unit in ((axes[0], "energy", "meV/atom"), (axes[1], "force", "meV/Å")):
        column = (f"validation_{metric}_rmse_meV_per_atom_vs_reference" if metric == "energy"
                  else f"validation_{metric}_rmse_meV_per_A_vs_reference")
        se = f"validation_{metric}_log_standard_error"
        for lvl in levels:
            part = fits[fits["train_level"].astype(str) == lvl]
            best = part.loc[part.groupby("size")[column].idxmin()].sort_values("size")
            value = best[column].to_numpy()
            upper = value * np.exp(z * best[se].to_numpy())
            ax.errorbar(best["size"], value, yerr=[np.zeros_like(value), upper - value],
                        fmt="o-", ms=4, capsize=3, color=colors[lvl], label=f"level {lvl}")
        if targets.get(metric):
            ax.axhline(targets[metric], color="0.3", ls="--", lw=1, label="target")
        if outcome.get("status") == "reached":
            ax.scatter([outcome["size"]], [outcome[f"validation_{metric}"]], marker="*", s=160,
                       color="k", zorder=4, label="chosen")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _label_log_axes(ax, "training configurations (the leverage order's prefix)",
                        f"validation {metric} RMSE vs reference ({unit})")
        ax.set_title(f"{metric}: the best model over 2Jmax and energy weights\n"
                     f"bar: to the upper end of its {100 * confidence:g} % interval", fontsize=9)
    if levels:
        axes[0].legend(fontsize=7)
    later = (decisions[decisions["round"] > 0] if "round" in decisions
             else pd.DataFrame({"round": [], "dft_spent_s": []}))
    axes[2].plot(np.r_[0, later["round"]], np.r_[outcome.get("validation_labels_s", 0.0),
                                                 later["dft_spent_s"]] / 3600.0, "o-", ms=4)
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].set_xlabel("round (0: the validation set)")
    axes[2].set_ylabel("DFT bought so far (core-hours)")
    axes[2].grid(True, alpha=0.25)
    axes[2].set_title(f"outcome: {outcome.get('status')}, {outcome.get('spent_s', 0) / 3600:.3g} "
                      "core-hours", fontsize=9)
    fig.suptitle("Adaptive labelling: validation errors of the models each round fitted")
    _save(fig, path)
