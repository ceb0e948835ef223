"""Learning curves from a pilot: errors and DFT cost at training sizes not yet labelled.

A pilot sweep (every level of the ladder, a few training sizes, repeated subsets) is summarised
per curve, one curve per (2Jmax, sampler, training level, energy weight) and error metric, by the
median over repeats at each size. Each curve's tail is modelled as

    RMSE(n)² = floor + amplitude · (n − n₀)^(−exponent),      floor, amplitude ≥ 0,

the squared form because the model's variance and its bias (and the training level's DFT error)
add as squares. ``n₀`` is the interpolation size of the 2Jmax (``interpolation_sizes``: as many
fit rows as descriptor columns; 0 where the descriptors are not at hand): ordinary least squares'
excess error grows as 1/(rows − columns), and below n₀ the test error passes through the peak of
double descent, so sizes under 2·n₀ are no part of the tail.

The point prediction shares one exponent between the curves of one metric of one
(2Jmax, sampler) (three sizes cannot fix three parameters per curve); the fits minimise relative
residuals so that the level-1 curves do not decide the exponent of the level-6 ones. A curve
that rises before it falls inside the pilot (strongly energy-weighted fits on the few most
extreme, leverage-first configurations) is fitted alone from its peak on.

The interval is not a resampling of the point fit but the range of every law of the family that
fits the curve's own pilot within its repeats' noise (``law_range``): a χ² test against the
medians' standard errors, scaled up where even the best law misses (Birge ratio), over a grid of
exponents and the pure power law. Two sizes identify no law: the range then runs from the power
law through them, tilted by their noise, to a curve already at its floor, and the point is its
geometric middle. A curve is ``identified`` when three pilot sizes lie on its tail; one with
fewer than two gets no prediction, an interval from 0 to its worst pilot median, and the pilot
size that would identify it.

Tuned on: the paper's 3D files (2Jmax 6, leverage, sizes 100-9,990). Scored elsewhere by
``benchmarks/plan_validation.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from ..analysis.pareto import OBJECTIVES, non_dominated

__all__ = [
    "CURVE_KEYS", "ERROR_COLUMNS", "ERROR_UNITS", "EXPONENT_GRID", "transient_start", "fit_curves",
    "curve_value", "CurveSet", "interpolation_sizes", "TAIL_FROM_INTERPOLATION", "MIN_LOG_SE",
    "log_median_se", "law_range", "predict_errors", "identification_advice", "compare_with_actual",
    "accuracy_line", "seconds_per_configuration", "plan", "backtest",
]

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
        exponent, floor, amplitude = (fit_curves(sizes, medians) if len(sizes) >= 2 else
                                      (np.full(len(keys), np.nan),) * 3)
        out.append(CurveSet(pd.DataFrame(keys, columns=CURVE_KEYS), sizes, repeats, exponent,
                            floor, amplitude))
    return out


def interpolation_sizes(descriptor_paths) -> dict[int, float]:
    """Per 2Jmax, the training size at which a fit has as many rows (one energy and 3 forces per
    atom per configuration, on average) as descriptor columns. Below it least squares
    interpolates its subset and the test error passes through the peak of double descent; the
    tail's law holds only well above it."""
    from ..descriptors.snap import DescriptorFile

    columns, rows, configurations = {}, {}, {}
    for path in descriptor_paths:            # a file, or one part of one
        desc = DescriptorFile(path)
        j = int(desc.twojmax)
        rows_per_configuration = np.diff(desc.row_offsets)      # its energy and force rows
        columns[j] = desc.n_columns
        rows[j] = rows.get(j, 0) + int(rows_per_configuration.sum())
        configurations[j] = configurations.get(j, 0) + len(rows_per_configuration)
    return {j: columns[j] * configurations[j] / rows[j] for j in columns}


# a pilot size counts towards the tail's law from twice the interpolation size on: there ordinary
# least squares' variance inflation k/(rows − k) has fallen to 1
TAIL_FROM_INTERPOLATION = 2.0
# sizes on its tail that identify a curve (three parameters per law)
IDENTIFYING_SIZES = 3


MIN_LOG_SE = 0.01      # a median's log standard error is never taken below 1 %


def log_median_se(repeats: list[list[np.ndarray]]) -> np.ndarray:
    """Standard error of the log of each median (curves × sizes) from its repeats' scatter
    (1.2533·sd/√r, the median's asymptotic efficiency); a size with one repeat gets its curve's
    typical value, and nothing goes below ``MIN_LOG_SE``."""
    se = np.full((len(repeats), len(repeats[0])), np.nan)
    for i, curve in enumerate(repeats):
        for j, values in enumerate(curve):
            values = np.asarray(values, float)
            if len(values) > 1 and (values > 0).all():
                se[i, j] = 1.2533 * np.log(values).std(ddof=1) / np.sqrt(len(values))
    typical = np.nanmedian(se) if np.isfinite(se).any() else MIN_LOG_SE
    se = np.where(np.isfinite(se), se, typical)
    return np.maximum(se, MIN_LOG_SE)


def law_range(sizes: np.ndarray, medians: np.ndarray, se: np.ndarray, start: np.ndarray,
              target: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest prediction at ``target`` (curves × sizes) of the laws
    floor + amplitude·n^−exponent (every exponent of the grid, floor and amplitude ≥ 0) that fit
    each curve's pilot, from its transient's peak on, within its medians' noise (χ² no more than
    the best law's plus the ``confidence`` quantile of χ²₁). Two sizes fix no exponent: the range
    runs from the pure power law through them (floor 0) to a curve already at its floor; a
    single size (a peak at the pilot's end) from no floor... to flat."""
    delta = chi2.ppf(confidence, 1)
    lower = np.empty((len(medians), len(target)))
    upper = np.empty_like(lower)
    for first in np.unique(start):
        rows = np.flatnonzero(start == first)
        x, y2 = sizes[first:], medians[rows, first:] ** 2
        s = se[rows, first:]
        if len(x) == 1:
            lower[rows] = 0.0
            upper[rows] = medians[rows, -1:]
            continue
        preds, chis = [], []
        for exponent in EXPONENT_GRID:
            floor, amplitude, _ = _fit_floor_amplitude(x ** -exponent, y2)
            fitted = floor[:, None] + amplitude[:, None] * x[None, :] ** -exponent
            with np.errstate(divide="ignore"):
                resid = 0.5 * np.log(np.maximum(fitted, 1e-300) / y2) / s
            chis.append((resid ** 2).sum(1))
            preds.append(curve_value(exponent, floor, amplitude, target))
        # the boundary of the family (floor 0) at its own exponent, which the grid only brackets
        w = 1.0 / s ** 2
        lx, ly = np.log(x)[None, :], 0.5 * np.log(y2)
        mx, my = (w * lx).sum(1) / w.sum(1), (w * ly).sum(1) / w.sum(1)
        slope = (w * (lx - mx[:, None]) * (ly - my[:, None])).sum(1) / \
            (w * (lx - mx[:, None]) ** 2).sum(1)
        slope = np.minimum(slope, 0.0)
        intercept = my - slope * mx
        chis.append(((intercept[:, None] + slope[:, None] * lx - ly) ** 2 * w).sum(1))
        preds.append(np.exp(intercept[:, None] + slope[:, None] * np.log(target)[None, :]))
        # and the power laws steeper and shallower by the slope's own noise, which through two
        # sizes no χ² tells from the exact one
        slope_se = 1.0 / np.sqrt((w * (lx - mx[:, None]) ** 2).sum(1))
        edges = [np.exp(my[:, None] + np.minimum(slope + k * np.sqrt(delta) * slope_se, 0.0)[:, None]
                        * (np.log(target)[None, :] - mx[:, None]))
                 for k in (-1.0, 1.0)] if len(x) == 2 else []
        chis, preds = np.array(chis), np.array(preds)         # laws × curves (× targets)
        # a curve the laws cannot follow within its noise gets its noise scaled up until the
        # best one can (the Birge ratio, on the degrees of freedom left by floor and amplitude)
        best = chis.min(0)
        if len(x) > 2:
            chis = chis / np.maximum(best / (len(x) - 2), 1.0)
        kept = chis <= chis.min(0) + delta
        lower[rows] = np.minimum.reduce([np.where(kept[..., None], preds, np.inf).min(0), *edges])
        upper[rows] = np.maximum.reduce([np.where(kept[..., None], preds, -np.inf).max(0), *edges])
    return lower, upper


def _model_key(twojmax):
    """A curve's model: its 2Jmax as an int, or a trained family's name (which has none)."""
    try:
        return int(twojmax)
    except (TypeError, ValueError):
        return twojmax


def _usable_pilot(pilot: pd.DataFrame, interpolation: dict | None) -> tuple[pd.DataFrame, dict]:
    """The pilot's runs at sizes in the tail (``TAIL_FROM_INTERPOLATION`` × the interpolation
    size of their 2Jmax on), and per 2Jmax the smallest size in the tail."""
    if not interpolation:
        return pilot, {}
    tail_from = {int(j): TAIL_FROM_INTERPOLATION * n for j, n in interpolation.items()}
    least = pilot["twojmax"].map(_model_key).map(tail_from).fillna(0.0)
    return pilot[pilot["size"] >= least], tail_from


def _pilot_to_identify(sizes: np.ndarray, tail_from: float) -> int:
    """The largest training size a pilot needs so that three of its sizes, in its own geometric
    step (at least 1.5), lie in the tail."""
    step = max(sizes[-1] / sizes[-2], 1.5) if len(sizes) >= 2 else 1.5
    in_tail = sizes[sizes >= tail_from]
    first = in_tail[-1] if len(in_tail) else max(np.ceil(tail_from), sizes[-1] * step)
    return int(np.ceil(first * step ** max(3 - max(len(in_tail), 1), 0)))


def predict_errors(runs: pd.DataFrame, max_pilot_size: int, target_sizes, confidence: float = 0.9,
                   interpolation: dict | None = None) -> pd.DataFrame:
    """Predicted median test RMSEs (vs the reference level) at ``target_sizes`` from the runs of
    sizes ≤ ``max_pilot_size``: one row per curve, metric and target size, with the central
    ``confidence`` interval, the exponent and the pilot's medians.

    The interval is the range of the laws that fit the curve's pilot within its noise
    (``law_range``), widened by the resampling spread. ``identified`` says whether three pilot
    sizes lie on the curve's tail (past its transient's peak and, given ``interpolation``, the
    per-2Jmax sizes of ``interpolation_sizes``, past twice that); where not, the interval is the
    laws through two sizes or, with fewer, from 0 to the worst pilot median and no prediction,
    and ``identify_with_pilot_to`` is the pilot size that would identify it."""
    pilot = runs[runs["size"] <= max_pilot_size]
    if pilot["size"].nunique() < 2:
        raise ValueError(f"the pilot needs at least two training sizes <= {max_pilot_size} "
                         f"(has {sorted(pilot['size'].unique().tolist())}); label more sizes or "
                         "raise --max-pilot-size")
    usable, tail_from = _usable_pilot(pilot, interpolation)
    target = np.atleast_1d(np.asarray(target_sizes, float))
    z = norm.ppf(0.5 + confidence / 2)
    rows = []
    for metric in ERROR_COLUMNS:
        fitted = {(cs.keys["twojmax"].iloc[0], cs.keys["sampler"].iloc[0]): cs
                  for cs in _curve_sets(usable, metric)}
        for cs_all in _curve_sets(pilot, metric):
            setting = (cs_all.keys["twojmax"].iloc[0], cs_all.keys["sampler"].iloc[0])
            cs = fitted.get(setting)
            threshold = tail_from.get(_model_key(setting[0]), 0.0)
            worst = cs_all.medians.max(axis=1)
            if cs is None or len(cs.sizes) < 2:
                # below the interpolation threshold the pilot says nothing about the tail
                for i, key in enumerate(cs_all.keys.itertuples(index=False)):
                    for n in target:
                        rows.append({**key._asdict(), "metric": metric,
                                     "unit": ERROR_UNITS[metric], "size": int(n),
                                     "predicted": np.nan, "lower": 0.0, "upper": worst[i],
                                     "identified": False,
                                     "identify_with_pilot_to": _pilot_to_identify(
                                         cs_all.sizes, threshold),
                                     "exponent": np.nan, "fitted_from_size": np.nan,
                                     "pilot_sizes": "/".join(f"{s:g}" for s in cs_all.sizes),
                                     "pilot_medians": "/".join(f"{v:.4g}"
                                                               for v in cs_all.medians[i])})
                continue
            # least squares' excess error grows as the rows approach the columns, as
            # 1/(n − n_interpolation): the laws are in the size past the interpolation size
            shift = (interpolation or {}).get(_model_key(setting[0]), 0.0)
            cs = replace(cs, sizes=cs.sizes - shift)
            cs.exponent, cs.floor, cs.amplitude = fit_curves(cs.sizes, cs.medians)
            predicted = curve_value(cs.exponent, cs.floor, cs.amplitude, target - shift)
            medians = cs.medians
            se = log_median_se(cs.repeats)
            # the laws' range holds the shape's uncertainty; the level of the last median adds
            # its own noise
            sigma = np.repeat(se[:, -1:], len(target), axis=1)
            start = transient_start(medians)
            fitted_from = cs.sizes[start] + shift
            low, high = law_range(cs.sizes, medians, se, start, target - shift, confidence)
            if len(cs.sizes) < 3:
                # two sizes identify no law: the middle of those that pass through them
                predicted = np.where(low > 0, np.sqrt(low * high), predicted)
            low, high = np.minimum(low, predicted), np.maximum(high, predicted)
            tail_sizes = len(cs.sizes) - start
            key_rows = {tuple(k): i for i, k in enumerate(cs.keys.itertuples(index=False))}
            for i_all, key in enumerate(cs_all.keys.itertuples(index=False)):
                i = key_rows.get(tuple(key))
                if i is None:
                    continue
                identified = bool(tail_sizes[i] >= IDENTIFYING_SIZES)
                for j, n in enumerate(target):
                    rows.append({**key._asdict(), "metric": metric, "unit": ERROR_UNITS[metric],
                                 "size": int(n), "predicted": predicted[i, j],
                                 "lower": low[i, j] * np.exp(-z * sigma[i, j]),
                                 "upper": high[i, j] * np.exp(z * sigma[i, j]),
                                 "identified": identified,
                                 "identify_with_pilot_to": 0 if identified else _pilot_to_identify(
                                     cs_all.sizes, max(threshold, fitted_from[i])),
                                 "exponent": cs.exponent[i],
                                 "fitted_from_size": int(round(fitted_from[i])),
                                 "pilot_sizes": "/".join(f"{s:g}" for s in cs_all.sizes),
                                 "pilot_medians": "/".join(f"{v:.4g}"
                                                           for v in cs_all.medians[i_all])})
    return pd.DataFrame(rows)


def identification_advice(predictions: pd.DataFrame) -> list[str]:
    """One line per (2Jmax, sampler) with curves the pilot does not identify: how many, and the
    pilot size that would."""
    lines = []
    curves = predictions.drop_duplicates(CURVE_KEYS + ["metric"])
    for (twojmax, sampler), part in curves.groupby(["twojmax", "sampler"], sort=True):
        missing = part[~part["identified"]]
        if missing.empty:
            continue
        unpredicted = int(missing["predicted"].isna().sum())
        lines.append(
            f"2Jmax {twojmax}, {sampler}: {len(missing)} of {len(part)} learning curves are not "
            f"identified by the pilot (sizes {part['pilot_sizes'].iloc[0]}): fewer than three of "
            "its sizes lie on their tail"
            + (f", {unpredicted} of them with no size past twice the interpolation size, so no "
               "prediction at all" if unpredicted else "; their intervals span every law through "
               "the sizes they have")
            + f". A pilot up to {int(missing['identify_with_pilot_to'].max())} configurations "
            "would identify them.")
    return lines


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
    rel = measured["relative_error_pct"].abs().dropna()
    unpredicted = len(measured) - len(rel)
    return (f"median {rel.median():.1f} %, largest {rel.max():.1f} %, "
            f"coverage {100 * measured['covered'].mean():.0f} %"
            + (f" ({unpredicted} not identified: no prediction, intervals only)"
               if unpredicted else ""))


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
    valid &= predictions["predicted"].notna()
    if not (predictions[valid].groupby("metric").size() > 0).reindex(
            list(ERROR_COLUMNS), fill_value=False).all():
        # the pilot identified no curve of some metric: nothing to choose from
        empty = pd.DataFrame(columns=CURVE_KEYS + ["size", "dft_cost_s", "meets_targets",
                                                   "on_predicted_front"]
                             + [f"{q}_{m}" for q in ("predicted", "lower", "upper")
                                for m in ERROR_COLUMNS])
        return {"choice": None, "cheapest_meeting": None, "candidates": empty}
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


def backtest(runs: pd.DataFrame, pilot_sizes: int, confidence: float = 0.9,
             interpolation: dict | None = None) -> pd.DataFrame:
    """Predictions from a pilot of the ``pilot_sizes`` smallest training sizes of each
    (2Jmax, sampler), compared with the measured medians at every larger size."""
    out = []
    for (twojmax, sampler), part in runs.groupby(["twojmax", "sampler"], sort=True):
        sizes = np.sort(part["size"].unique())
        if len(sizes) <= pilot_sizes:
            continue
        predictions = predict_errors(part, int(sizes[pilot_sizes - 1]), sizes[pilot_sizes:],
                                     confidence, interpolation)
        out.append(compare_with_actual(predictions, part))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
