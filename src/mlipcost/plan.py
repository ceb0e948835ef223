"""Learning curves from a pilot: errors and DFT cost at training sizes not yet labelled.

A pilot sweep (every level of the ladder, training sizes up to ``n_pilot``, repeated subsets) is
summarised per curve, one curve per (2Jmax, sampler, training level, energy weight) and error
metric, by the median over repeats at each size. Each curve is modelled as

    RMSE(n)² = floor + amplitude · n^(−exponent),      floor, amplitude ≥ 0,

the squared form because the model's variance and its bias (and the training level's DFT error)
add as squares. A pilot gives a handful of sizes, too few to fit an exponent per curve (three
sizes fix three parameters exactly and extrapolate wildly), so the exponent is shared by all
curves of one error metric of one (2Jmax, sampler): it is the value on a grid that minimises the
relative residuals of all their fits. The fits minimise relative, not absolute, residuals so that
the level-1 curves (hundreds of meV) do not decide the exponent of the level-6 ones.

A curve that rises before it falls inside the pilot (in the paper's Be files: the force error of
fits at energy weight 300, 360 → 396 → 381 meV/Å at 100/200/350 configurations on level 2) is
still in a small-n transient that the tail's law does not describe; fitted with the others it is
extrapolated as flat (377 meV/Å at 9,990, measured 273). Such a curve is fitted alone from its
peak on: the two sizes after the peak give its local power law (302), more give its own
exponent and floor.

Uncertainty has two parts, combined in log space into a central interval:
- the sampling of subsets: the repeats at each pilot size are resampled with replacement, the
  medians recomputed and the whole fit (exponent included) redone;
- the model's own extrapolation error, measured inside the pilot: the curve fitted without the
  largest pilot size predicts it; that log error and the fit's own log residual over the pilot,
  scaled by how much further the target lies (log(n/n_max) / log(n_max/n_prev)), are added for
  the curve, with the metric's median backtest error as a floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from .pareto import OBJECTIVES, non_dominated

CURVE_KEYS = ["twojmax", "sampler", "train_level", "energy_weight"]
ERROR_COLUMNS = {"energy": OBJECTIVES[1], "force": OBJECTIVES[2]}
ERROR_UNITS = {"energy": "meV/atom", "force": "meV/Å"}
EXPONENT_GRID = np.round(np.arange(0.05, 2.0001, 0.05), 2)


def _fit_floor_amplitude(x: np.ndarray, y2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-negative ``floor + amplitude·x`` through each row of ``y2`` (curves × sizes) minimising
    Σ((floor + amplitude·x)/y2 − 1)²; returns floor, amplitude and each row's residual sum."""
    a0, a1 = 1.0 / y2, x[None, :] / y2
    s00, s01, s11 = (a0 * a0).sum(1), (a0 * a1).sum(1), (a1 * a1).sum(1)
    t0, t1 = a0.sum(1), a1.sum(1)
    det = s00 * s11 - s01 ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        floor = (s11 * t0 - s01 * t1) / det
        amplitude = (s00 * t1 - s01 * t0) / det
    # on the boundary of the feasible set the other parameter is fitted alone
    only_floor = ~np.isfinite(floor) | (amplitude < 0)
    floor = np.where(only_floor, t0 / s00, floor)
    amplitude = np.where(only_floor, 0.0, amplitude)
    only_amplitude = floor < 0
    floor = np.where(only_amplitude, 0.0, floor)
    amplitude = np.where(only_amplitude, t1 / s11, amplitude)
    residual = ((floor[:, None] * a0 + amplitude[:, None] * a1 - 1.0) ** 2).sum(1)
    return floor, amplitude, residual


def _shared_exponent_fit(x_all: np.ndarray, y2: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    best = None
    for exponent in EXPONENT_GRID:
        floor, amplitude, residual = _fit_floor_amplitude(x_all ** -exponent, y2)
        if best is None or residual.sum() < best[0]:
            best = (residual.sum(), float(exponent), floor, amplitude)
    return best[1], best[2], best[3]


def transient_start(medians: np.ndarray) -> np.ndarray:
    """Index of each curve's largest pilot median: a curve that rises before it falls (strongly
    energy-weighted fits on the few most extreme, leverage-first configurations) is still in its
    small-n transient up to that size, which no law of the learning-curve tail describes."""
    return np.argmax(np.asarray(medians, float), axis=1)


def fit_curves(sizes: np.ndarray, medians: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each curve's exponent, floor and amplitude (of the squared RMSE) for ``medians``
    (curves × sizes, RMSE). Curves that fall from the first pilot size share one exponent;
    a curve that rises first is fitted from its peak on, alone: on two sizes as a pure power law
    (the tail's local slope), on one as a constant."""
    x_all = np.asarray(sizes, float)
    medians = np.asarray(medians, float)
    y2 = medians ** 2
    start = transient_start(medians)
    exponent = np.zeros(len(y2))
    floor, amplitude = np.zeros(len(y2)), np.zeros(len(y2))
    regular = start == 0
    if regular.any():
        shared, floor[regular], amplitude[regular] = _shared_exponent_fit(x_all, y2[regular])
        exponent[regular] = shared
    for i in np.flatnonzero(~regular):
        x, y = x_all[start[i]:], y2[i, start[i]:]
        if len(x) == 1:
            floor[i] = y[0]
        elif len(x) == 2:
            exponent[i] = max(np.log(y[0] / y[1]) / np.log(x[1] / x[0]), 0.0)
            amplitude[i] = y[1] * x[1] ** exponent[i]
        else:
            exponent[i], f, a = _shared_exponent_fit(x, y[None, :])
            floor[i], amplitude[i] = f[0], a[0]
    return exponent, floor, amplitude


def curve_value(exponent, floor: np.ndarray, amplitude: np.ndarray, n) -> np.ndarray:
    """Predicted RMSE at training size(s) ``n`` (curves × sizes); ``exponent`` per curve or
    shared."""
    n = np.atleast_1d(np.asarray(n, float))
    exponent = np.broadcast_to(np.asarray(exponent, float), np.shape(floor))
    return np.sqrt(floor[:, None] + amplitude[:, None] * n[None, :] ** -exponent[:, None])


@dataclass
class CurveSet:
    """The curves of one error metric of one (2Jmax, sampler): keys, the pilot's sizes and
    per-repeat values, and the fit."""
    keys: pd.DataFrame
    sizes: np.ndarray
    repeats: list[list[np.ndarray]]     # [curve][size] -> that size's per-repeat RMSEs
    exponent: np.ndarray
    floor: np.ndarray
    amplitude: np.ndarray

    @property
    def medians(self) -> np.ndarray:
        """Median RMSE over repeats at each pilot size (curves × sizes)."""
        return np.array([[np.median(v) for v in curve] for curve in self.repeats])


def _curve_sets(pilot: pd.DataFrame, metric: str) -> list[CurveSet]:
    column = ERROR_COLUMNS[metric]
    out = []
    for _, part in pilot.groupby(["twojmax", "sampler"], sort=True):
        sizes = np.array(sorted(part["size"].unique()), float)
        keys, repeats = [], []
        for key, curve in part.groupby(CURVE_KEYS, sort=True):
            by_size = {int(s): g[column].dropna().to_numpy() for s, g in curve.groupby("size")}
            if any(len(by_size.get(int(s), [])) == 0 for s in sizes):
                continue            # a curve must be measured at every pilot size
            keys.append(key)
            repeats.append([by_size[int(s)] for s in sizes])
        if not keys:
            continue
        medians = np.array([[np.median(v) for v in c] for c in repeats])
        exponent, floor, amplitude = fit_curves(sizes, medians)
        out.append(CurveSet(pd.DataFrame(keys, columns=CURVE_KEYS), sizes, repeats, exponent,
                            floor, amplitude))
    return out


def _log_sigma(cs: CurveSet, target: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """Standard deviation (log space) of each curve's prediction at ``target`` sizes."""
    boots = np.empty((n_boot, len(cs.repeats), len(target)))
    for b in range(n_boot):
        medians = np.array([[np.median(rng.choice(v, len(v))) for v in c] for c in cs.repeats])
        exponent, floor, amplitude = fit_curves(cs.sizes, medians)
        boots[b] = curve_value(exponent, floor, amplitude, target)
    sampling = np.log(np.maximum(boots, 1e-300)).std(axis=0)
    if len(cs.sizes) < 3:
        return sampling
    medians = cs.medians
    exponent, floor, amplitude = fit_curves(cs.sizes[:-1], medians[:, :-1])
    held_out = curve_value(exponent, floor, amplitude, cs.sizes[-1])[:, 0]
    backtest = np.abs(np.log(held_out / medians[:, -1]))
    step = np.log(cs.sizes[-1] / cs.sizes[-2])
    reach = np.maximum(np.log(target / cs.sizes[-1]), 0.0) / step
    # a curve the model cannot follow inside the pilot (one that rises, then falls) is one it
    # cannot be trusted to follow beyond it
    misfit = np.sqrt(np.mean(np.log(curve_value(cs.exponent, cs.floor, cs.amplitude, cs.sizes)
                                    / medians) ** 2, axis=1))
    typical = np.median(backtest)
    extrapolation = reach[None, :] * np.sqrt(backtest ** 2 + misfit ** 2 + typical ** 2)[:, None]
    return np.sqrt(sampling ** 2 + extrapolation ** 2)


def predict_errors(runs: pd.DataFrame, max_pilot_size: int, target_sizes, confidence: float = 0.9,
                   n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Predicted median test RMSEs (vs the reference level) at ``target_sizes`` from the runs of
    sizes ≤ ``max_pilot_size``: one row per curve, metric and target size, with the central
    ``confidence`` interval, the exponent and the pilot's medians."""
    pilot = runs[runs["size"] <= max_pilot_size]
    if pilot["size"].nunique() < 2:
        raise ValueError(f"the pilot needs at least two training sizes <= {max_pilot_size} "
                         f"(has {sorted(pilot['size'].unique().tolist())}); label more sizes or "
                         "raise --max-pilot-size")
    target = np.atleast_1d(np.asarray(target_sizes, float))
    z = norm.ppf(0.5 + confidence / 2)
    rng = np.random.default_rng(seed)
    rows = []
    for metric in ERROR_COLUMNS:
        for cs in _curve_sets(pilot, metric):
            predicted = curve_value(cs.exponent, cs.floor, cs.amplitude, target)
            sigma = _log_sigma(cs, target, n_boot, rng)
            medians = cs.medians
            fitted_from = cs.sizes[transient_start(medians)]
            for i, key in enumerate(cs.keys.itertuples(index=False)):
                for j, n in enumerate(target):
                    rows.append({**key._asdict(), "metric": metric, "unit": ERROR_UNITS[metric],
                                 "size": int(n), "predicted": predicted[i, j],
                                 "lower": predicted[i, j] * np.exp(-z * sigma[i, j]),
                                 "upper": predicted[i, j] * np.exp(z * sigma[i, j]),
                                 "exponent": cs.exponent[i],
                                 "fitted_from_size": int(fitted_from[i]),
                                 "pilot_sizes": "/".join(f"{s:g}" for s in cs.sizes),
                                 "pilot_medians": "/".join(f"{v:.4g}" for v in medians[i])})
    return pd.DataFrame(rows)


def compare_with_actual(predictions: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """``predictions`` with the measured median at the same size (where the runs have it), the
    relative error of the prediction and whether the interval covers the measurement."""
    actual = []
    for row in predictions.itertuples():
        sel = runs[(runs["twojmax"] == row.twojmax) & (runs["sampler"] == row.sampler)
                   & (runs["train_level"] == row.train_level)
                   & (runs["energy_weight"] == row.energy_weight) & (runs["size"] == row.size)]
        actual.append(sel[ERROR_COLUMNS[row.metric]].median() if len(sel) else np.nan)
    out = predictions.copy()
    out["actual"] = actual
    out["relative_error_pct"] = 100.0 * (out["predicted"] / out["actual"] - 1.0)
    out["covered"] = (out["lower"] <= out["actual"]) & (out["actual"] <= out["upper"])
    return out


def accuracy_line(compared: pd.DataFrame) -> str:
    """The summary line: median and largest relative error, interval coverage."""
    measured = compared.dropna(subset=["actual"])
    rel = measured["relative_error_pct"].abs()
    return (f"median {rel.median():.1f} %, largest {rel.max():.1f} %, "
            f"coverage {100 * measured['covered'].mean():.0f} %")


def seconds_per_configuration(runs: pd.DataFrame, cost_col: str) -> dict:
    """Measured DFT seconds per configuration of each training level (cost column / size)."""
    scale = 60.0 if cost_col.endswith("_min") else 1.0
    per = runs[cost_col] * scale / runs["size"]
    return per.groupby(runs["train_level"]).median().to_dict()


def plan(predictions: pd.DataFrame, seconds_per_config: dict, max_energy: float | None,
         max_force: float | None, budget_s: float | None = None) -> dict:
    """The cheapest (2Jmax, sampler, level, energy weight, size) whose interval's upper ends meet
    both targets within the budget, and the predicted front (cost, energy, force) of all
    candidates. Energy and force of one setting come from the same fits, so they are paired."""
    # a curve fitted from its transient's peak says nothing about sizes below it
    valid = predictions["size"] >= predictions.get("fitted_from_size", 0)
    wide = predictions[valid].pivot_table(index=CURVE_KEYS + ["size"], columns="metric",
                                          values=["predicted", "upper", "lower"]).reset_index()
    wide.columns = ["_".join(c for c in col if c) if isinstance(col, tuple) else col
                    for col in wide.columns]
    wide = wide.dropna(subset=[c for c in wide.columns if c.startswith("predicted_")])
    wide["dft_cost_s"] = wide["train_level"].map(seconds_per_config) * wide["size"]
    meets = pd.Series(True, index=wide.index)
    if max_energy is not None:
        meets &= wide["upper_energy"] <= max_energy
    if max_force is not None:
        meets &= wide["upper_force"] <= max_force
    wide["meets_targets"] = meets
    within = meets if budget_s is None else meets & (wide["dft_cost_s"] <= budget_s)
    choice = wide[within].sort_values(["dft_cost_s", "predicted_energy"]).head(1)
    cheapest = wide[meets].sort_values(["dft_cost_s", "predicted_energy"]).head(1)
    objectives = wide[["dft_cost_s", "predicted_energy", "predicted_force"]].to_numpy()
    wide["on_predicted_front"] = non_dominated(objectives)
    return {"choice": None if choice.empty else choice.iloc[0],
            "cheapest_meeting": None if cheapest.empty else cheapest.iloc[0],
            "candidates": wide}
