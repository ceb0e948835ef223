"""Figures: accuracy against DFT cost with the Pareto front, parity of levels, learning curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .dft.labels import Labels  # noqa: E402
from .storage import atomic_path  # noqa: E402


def _save(fig, path: Path) -> None:
    """PNG (for the report) and PDF (for papers) of every figure."""
    for target in (path, path.with_suffix(".pdf")):
        with atomic_path(target, suffix=target.suffix) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight", format=target.suffix.lstrip("."))
    plt.close(fig)


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
        ax.set_xlabel(cost_label)
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.25)
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


def learning_curves(summary: pd.DataFrame, path: Path, energy_weight: float, level: str) -> None:
    """Test errors against training size per sampler (median, 16th–84th percentile band)."""
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
    for ax in axes:
        ax.set_xlabel("training configurations")
        ax.set_yscale("log")
        ax.grid(True, alpha=0.25)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Learning curves: trained on level {level}, energy weight {energy_weight:g}")
    _save(fig, path)


def _level_key(level) -> tuple:
    return (len(str(level)), str(level))


def pareto_2d(summary: pd.DataFrame, path: Path) -> None:
    """Test energy vs force RMSE (against the reference) over energy weights, whole training half,
    one curve per training level, one panel per 2Jmax (the paper's 2D Pareto)."""
    full = summary[summary["size"] == summary["size"].max()]
    full = full.groupby(["twojmax", "train_level", "energy_weight"], as_index=False).median(
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
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short log ranges
        ax.set_xlabel("test force RMSE vs reference (meV/Å)")
        ax.set_ylabel("test energy RMSE vs reference (meV/atom)")
        ax.set_title(f"2Jmax {twojmax}: energy weight sweep")
        ax.grid(True, which="both", alpha=0.25)
    axes[0][0].legend(fontsize=8)
    _save(fig, path)


def error_vs_level(summary: pd.DataFrame, path: Path, energy_weight: float) -> None:
    """Test errors against the reference vs training level, one line per 2Jmax (whole training
    half, one energy weight)."""
    full = summary[(summary["size"] == summary["size"].max())
                   & (summary["energy_weight"] == energy_weight)]
    full = full.groupby(["twojmax", "train_level"], as_index=False).median(numeric_only=True)
    levels = sorted(full["train_level"].astype(str).unique(), key=_level_key)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for twojmax, grp in full.groupby("twojmax"):
        grp = grp.assign(order=grp["train_level"].astype(str).map(levels.index)).sort_values("order")
        for ax, col in ((axes[0], "test_energy_rmse_meV_per_atom_vs_reference"),
                        (axes[1], "test_force_rmse_meV_per_A_vs_reference")):
            ax.plot(grp["order"], grp[col], marker="o", label=f"2Jmax {twojmax}")
    for ax, label in ((axes[0], "test energy RMSE vs reference (meV/atom)"),
                      (axes[1], "test force RMSE vs reference (meV/Å)")):
        ax.set_xticks(range(len(levels)), levels)
        ax.set_xlabel("training level")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        ax.grid(True, alpha=0.25)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Error vs training level (whole training half, energy weight {energy_weight:g})")
    _save(fig, path)
