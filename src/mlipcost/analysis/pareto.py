"""Accuracy/cost Pareto fronts over the fit sweep, and the paper's own result files."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd

GROUP_KEYS = ["twojmax", "train_level", "sampler", "size", "energy_weight"]
OBJECTIVES = ["dft_cost_s", "test_energy_rmse_meV_per_atom_vs_reference",
              "test_force_rmse_meV_per_A_vs_reference"]


def nearest_weight(weights, target: float) -> float:
    """The energy weight of ``weights`` nearest ``target`` on a log scale (a figure or table asks
    for a weight the sweep may not have fitted)."""
    return float(min(sorted(weights), key=lambda w: abs(np.log(w / target))))


def non_dominated(points: np.ndarray, strict: bool = True) -> np.ndarray:
    """Mask of the non-dominated points (all objectives minimised).

    ``strict`` is the paper's rule: a point is removed only when another is strictly better on
    all of (cost, energy error, force error). Otherwise standard Pareto dominance: removed when
    another is no worse on every objective and better on one (needed when an objective ties,
    like the MD cost shared by all models of one 2Jmax).
    """
    points = np.asarray(points, dtype=float)
    # a point with a NaN objective (a failed fit) neither joins the front nor removes others
    finite = np.isfinite(points).all(axis=1)
    keep = finite.copy()
    points = np.where(finite[:, None], points, np.inf)
    for i in np.flatnonzero(finite):
        if strict:
            dominated = np.all(points < points[i], axis=1)
        else:
            dominated = np.all(points <= points[i], axis=1) & np.any(points < points[i], axis=1)
        keep[i] = not np.any(dominated)
    return keep


def summarize(sweep: pd.DataFrame, keys=GROUP_KEYS) -> pd.DataFrame:
    """Median over repeats of every numeric column, with 16th/84th percentiles of the errors."""
    value_cols = [c for c in sweep.columns if c not in keys and c != "repeat"
                  and pd.api.types.is_numeric_dtype(sweep[c])]
    grouped = sweep.groupby(keys, sort=True)[value_cols]
    med = grouped.median()
    lo = grouped.quantile(0.16).add_suffix("_p16")
    hi = grouped.quantile(0.84).add_suffix("_p84")
    error_cols = [c for c in value_cols if "rmse" in c]
    out = pd.concat([med, lo[[c + "_p16" for c in error_cols]],
                     hi[[c + "_p84" for c in error_cols]]], axis=1)
    out["n_repeats"] = grouped.size()
    return out.reset_index()


def front(summary: pd.DataFrame, objectives=OBJECTIVES, strict: bool = True) -> pd.DataFrame:
    """``summary`` with ``on_front``: not dominated in ``objectives`` (all minimised)."""
    out = summary.copy()
    out["on_front"] = non_dominated(out[objectives].to_numpy(), strict)
    return out


def budget_bands(front_points: pd.DataFrame, cost_col: str, level_col: str = "train_level",
                 by: str = "twojmax") -> pd.DataFrame:
    """Which training level the front takes in which range of DFT budget, per 2Jmax (the
    paper's reading of Fig. 7, Sec. 3.5): the front's points sorted by cost, consecutive
    points of one level merged into one band. A band runs from its cheapest point's cost to the
    next band's; each row gives the level, its points, and the lowest test errors in the band.
    """
    e, f = OBJECTIVES[1], OBJECTIVES[2]
    rows = []
    for key, pts in front_points[front_points["on_front"]].groupby(by):
        pts = pts.sort_values([cost_col, e])
        run_id = (pts[level_col].astype(str) != pts[level_col].astype(str).shift()).cumsum()
        runs = list(pts.groupby(run_id, sort=True))
        for i, (_, run) in enumerate(runs):
            rows.append({by: key, "cost_from": run[cost_col].min(),
                         "cost_to": runs[i + 1][1][cost_col].min() if i + 1 < len(runs)
                         else run[cost_col].max(),
                         "level": str(run[level_col].iloc[0]), "front_points": len(run),
                         f"best_{e}": run[e].min(), f"best_{f}": run[f].min()})
    columns = [by, "cost_from", "cost_to", "level", "front_points", f"best_{e}", f"best_{f}"]
    return pd.DataFrame(rows, columns=columns)


def level_trend(front_points: pd.DataFrame, cost_col: str, levels: list[str],
                level_col: str = "train_level") -> float:
    """Spearman's rank correlation of DFT cost and training level (ladder order) over the front:
    near +1 when the best level grows with the budget."""
    pts = front_points[front_points["on_front"]]
    if len(pts) < 3:
        return float("nan")
    order = pts[level_col].astype(str).map({lvl: i for i, lvl in enumerate(levels)})
    return float(pts[cost_col].rank().corr(order.rank()))


# --- the paper's published result files -------------------------------------------------------

PAPER_SECONDS_PER_CONFIG = {1: 8.33, 2: 10.02, 3: 14.80, 4: 19.18, 5: 91.99, 6: 996.14}


def read_size_files(folder: str | Path) -> pd.DataFrame:
    """The rows of a folder of the paper's per-size result files ``n{size}.csv(.gz)``."""
    folder = Path(folder)
    files = sorted(folder.glob("n*.csv*"), key=lambda p: int(re.findall(r"\d+", p.name)[0]))
    if not files:
        raise FileNotFoundError(f"no n{{size}}.csv(.gz) files in {folder}")
    frames = []
    for path in files:
        with (gzip.open(path, "rt") if path.suffix == ".gz" else open(path)) as fh:
            frames.append(pd.read_csv(fh, index_col=0))
    return pd.concat(frames, ignore_index=True)


PAPER_3D_COLUMNS = ["2Jmax", "Train Precision", "Subsample size", "Energy Weight",
                    "Testing Energy RMSE (6th precision)", "Testing Force RMSE (6th precision)",
                    "Testing Energy RMSE (train precision)", "Testing Force RMSE (train precision)"]


def read_paper_3d(folder: str | Path,
                  seconds_per_config: dict[int, float] = PAPER_SECONDS_PER_CONFIG) -> pd.DataFrame:
    """The paper's ``3D_pareto/n{size}.csv.gz`` files in this workflow's column names.

    RMSE columns are published in eV units (converted to meV here); cost is the paper's
    seconds per configuration × size, in minutes.
    """
    raw = read_size_files(folder)
    missing = [c for c in PAPER_3D_COLUMNS if c not in raw]
    if missing:
        raise ValueError(f"{folder}: its n{{size}}.csv files are not the paper's 3D_pareto "
                         f"results (no column {', '.join(repr(c) for c in missing)}); give the "
                         "3D_pareto folder of IlgarBaghishov/DFTprecisionMLIP")
    df = pd.DataFrame({
        "twojmax": raw["2Jmax"].astype(int),
        "train_level": raw["Train Precision"].astype(int),
        "sampler": "leverage",
        "size": raw["Subsample size"].astype(int),
        "energy_weight": raw["Energy Weight"].astype(float),
        "test_energy_rmse_meV_per_atom_vs_reference": 1e3 * raw["Testing Energy RMSE (6th precision)"],
        "test_force_rmse_meV_per_A_vs_reference": 1e3 * raw["Testing Force RMSE (6th precision)"],
        "test_energy_rmse_meV_per_atom_vs_train_level": 1e3 * raw["Testing Energy RMSE (train precision)"],
        "test_force_rmse_meV_per_A_vs_train_level": 1e3 * raw["Testing Force RMSE (train precision)"],
    })
    df["repeat"] = df.groupby(GROUP_KEYS).cumcount()
    df["dft_cost_min"] = df["train_level"].map(seconds_per_config) * df["size"] / 60.0
    return df


PAPER_OBJECTIVES = ["dft_cost_min", "test_energy_rmse_meV_per_atom_vs_reference",
                    "test_force_rmse_meV_per_A_vs_reference"]


def paper_front(folder: str | Path) -> pd.DataFrame:
    """The paper's 3D front from its ``3D_pareto`` files (medians over repeats)."""
    summary = summarize(read_paper_3d(folder))
    return front(summary, PAPER_OBJECTIVES)


def recommend(points: pd.DataFrame, budget_min: float, max_energy: float | None = None,
              max_force: float | None = None, min_md_speed: float | None = None,
              front_col: str = "on_front") -> dict:
    """The cheapest front setting meeting the targets within the budget, and what twice the
    budget would buy (the lowest test energy error on the front within it)."""
    e, f = OBJECTIVES[1], OBJECTIVES[2]
    pts = points[points[front_col]].copy()
    ok = pd.Series(True, index=pts.index)
    if max_energy is not None:
        ok &= pts[e] <= max_energy
    if max_force is not None:
        ok &= pts[f] <= max_force
    if min_md_speed is not None:
        if "md_atom_timesteps_per_s" not in pts:
            raise ValueError("--min-md-speed needs MD speeds (the workflow's pareto/summary.csv)")
        ok &= pts["md_atom_timesteps_per_s"] >= min_md_speed
    meeting = pts[ok].sort_values("dft_cost_min")
    within = meeting[meeting["dft_cost_min"] <= budget_min]
    result = {"choice": within.iloc[0] if len(within) else None,
              "cheapest_meeting": meeting.iloc[0] if len(meeting) else None}
    affordable = pts[pts["dft_cost_min"] <= budget_min]
    doubled = pts[pts["dft_cost_min"] <= 2 * budget_min]
    result["best_within_budget"] = affordable.sort_values(e).iloc[0] if len(affordable) else None
    result["best_within_double"] = doubled.sort_values(e).iloc[0] if len(doubled) else None
    return result


def describe(row) -> str:
    """One line naming a front point's setting, DFT cost and errors."""
    text = (f"level {row['train_level']}, 2Jmax {int(row['twojmax'])}, energy weight "
            f"{row['energy_weight']:g}, {int(row['size'])} configurations ({row['sampler']}): "
            f"DFT {row['dft_cost_min']:.4g} min, test energy {row[OBJECTIVES[1]]:.3g} meV/atom, "
            f"force {row[OBJECTIVES[2]]:.3g} meV/Å")
    if "md_atom_timesteps_per_s" in row and pd.notna(row["md_atom_timesteps_per_s"]):
        text += f", MD {row['md_atom_timesteps_per_s']:.3g} atom-steps/s"
    return text
