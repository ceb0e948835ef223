"""Mixed-fidelity training of linear qSNAP: cheap labels on many configurations, expensive
labels on a few of them (S_hi ⊂ S_lo, the first n_hi of the same sampled ordering).

Methods (after Sec. 2 of "Understanding multi-fidelity training of machine-learned force
fields", pre-training/fine-tuning and multi-headed training, written for a linear model):

``delta``
    Δ-learning: β = β_lo + δ, β_lo fitted on level lo over S_lo, δ on the difference of the
    labels (hi − lo) over S_hi. It solves the block-diagonal stacked problem
    min ‖W(A_lo b − y_lo)‖² + ‖W(A_hi d − (y_hi − y_lo))‖², model b + d.
``joint_offset``
    One model fitted on the rows of both levels (S_lo at lo, S_hi at hi) with one extra
    column, a per-atom energy offset on the low level's energy rows (a multi-headed fit whose
    head is the shift the paper sees between levels, Sec. 3.1). The model drops the offset.
``split_energy_high`` / ``split_force_high``
    Energies from one level and forces from the other: the high level's energy (or force)
    rows over S_hi, the low level's force (or energy) rows over S_lo.

The DFT cost of every mixed point is cost_lo(S_lo) + cost_hi(S_hi). Every fit is made from the
R factors of [A | Y] that the sweep streams (linalg), so a pair of levels costs a small solve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg

from ..models.fit import LSTSQ_COND, FitData, SetStats, _growing_r, sampling_order, solve
from ..models.linalg import triangular_lstsq
from ..analysis.pareto import OBJECTIVES, non_dominated, summarize

MIXED_METHODS = ("delta", "joint_offset", "split_energy_high", "split_force_high")
MIXED_KEYS = ["twojmax", "method", "sampler", "low_level", "high_level", "train_level",
              "low_size", "high_size", "energy_weight", "force_weight"]


def r_factor(rows: np.ndarray) -> np.ndarray:
    """The R factor (upper trapezoidal, at most as many rows as columns) of ``rows``."""
    r = scipy.linalg.qr(rows, mode="r", check_finite=False)[0]
    return np.asfortranarray(r[:min(rows.shape)])


def retarget(r_aug: np.ndarray, n_features: int, mix: np.ndarray) -> np.ndarray:
    """The R factor of [A | Y·mix] from that of [A | Y]: [A | Y·mix] = [A | Y]·diag(I, mix), so
    Q·R·diag(I, mix) is it up to one small re-triangularisation."""
    k = n_features
    out = np.hstack([r_aug[:, :k], r_aug[:, k:] @ mix])
    return r_factor(out)


def with_offset_column(r_aug: np.ndarray, n_features: int,
                       ones: np.ndarray | None = None) -> np.ndarray:
    """[R_A | c | R_Y]: the R factor of rows that get an offset column after A's columns, zero
    (``ones`` None: rows without an offset) or given (rows already in full)."""
    column = np.zeros((len(r_aug), 1)) if ones is None else ones[:, None]
    return np.hstack([r_aug[:, :n_features], column, r_aug[:, n_features:]])


def selector(n_levels: int, picks: list[int]) -> np.ndarray:
    """(L × P) matrix whose column p picks level ``picks[p]``."""
    mix = np.zeros((n_levels, len(picks)))
    mix[picks, np.arange(len(picks))] = 1.0
    return mix


def mixed_coefficients(n_features: int, low: tuple[np.ndarray, np.ndarray],
                       high: tuple[np.ndarray, np.ndarray],
                       low_energy: tuple[np.ndarray, np.ndarray], pairs: list[tuple[int, int]],
                       n_levels: int, energy_weights: float | list[float],
                       force_weight: float = 1.0, methods=MIXED_METHODS
                       ) -> dict[str, np.ndarray]:
    """Coefficients of each method for every (low, high) level pair: K × pairs, or with a list
    of energy weights K × (weights · pairs), weight-major.

    ``low``/``high``: (energy R, force R) of [A | Y] over S_lo and S_hi; ``low_energy``: S_lo's
    energy rows and targets in full (A_E, Y_E), which the offset column of ``joint_offset``
    needs. The re-targeted R factors do not depend on the weights and are made once.
    """
    k = n_features
    weights = [energy_weights] if np.isscalar(energy_weights) else list(energy_weights)
    lo_pick = selector(n_levels, [lo for lo, _ in pairs])
    hi_pick = selector(n_levels, [hi for _, hi in pairs])
    w_f = force_weight
    low_e_lo, low_f_lo = retarget(low[0], k, lo_pick), retarget(low[1], k, lo_pick)
    high_e_hi, high_f_hi = retarget(high[0], k, hi_pick), retarget(high[1], k, hi_pick)
    out = {method: [] for method in methods}
    if "delta" in methods:
        diff = hi_pick - lo_pick
        high_diff = (retarget(high[0], k, diff), retarget(high[1], k, diff))
    if "joint_offset" in methods:
        a_e, y_e = low_energy
        offset_rows = (r_factor(np.hstack([a_e, np.ones((len(a_e), 1)), y_e @ lo_pick])),
                       with_offset_column(low_f_lo, k), with_offset_column(high_e_hi, k),
                       with_offset_column(high_f_hi, k))
    for w_e in weights:
        if "delta" in methods:
            base = solve(*low, k, w_e, w_f) @ lo_pick
            out["delta"].append(base + solve(*high_diff, k, w_e, w_f))
        if "joint_offset" in methods:
            joint = r_factor(np.vstack([w * r for w, r in
                                        zip((w_e, w_f, w_e, w_f), offset_rows)]))
            out["joint_offset"].append(triangular_lstsq(joint, k + 1, LSTSQ_COND)[:k])
        if "split_energy_high" in methods:
            out["split_energy_high"].append(solve(high_e_hi, low_f_lo, k, w_e, w_f))
        if "split_force_high" in methods:
            out["split_force_high"].append(solve(low_e_lo, high_f_hi, k, w_e, w_f))
    return {method: np.hstack(coefs) for method, coefs in out.items()}


def level_pairs(levels: list[str], pairs: list | None = None) -> list[tuple[int, int]]:
    """(low, high) indices: the configured pairs of level names, or every pair in ladder order
    (a level and any later one)."""
    if pairs is None:
        return [(lo, hi) for lo in range(len(levels)) for hi in range(lo + 1, len(levels))]
    out = []
    for pair in pairs:
        names = [str(p) for p in pair]
        unknown = [n for n in names if n not in levels]
        if len(names) != 2 or unknown or names[0] == names[1]:
            raise ValueError(f"mixed_fidelity.pairs: {pair} is not two different levels of "
                             f"{levels}")
        out.append((levels.index(names[0]), levels.index(names[1])))
    return out


def mixed_fidelity_fits(data: FitData, train: np.ndarray, test: np.ndarray, *,
                        low_sizes: list[int], high_sizes: list[int],
                        energy_weights: list[float], repeats: int, seed: int, sampler: str,
                        sampler_index: int, scores: np.ndarray | None, reference_level: str,
                        cost_s: np.ndarray, twojmax: int, force_weight: float = 1.0,
                        methods=MIXED_METHODS, pairs: list | None = None) -> pd.DataFrame:
    """One row per (method, level pair, n_lo, n_hi < n_lo, energy weight, repeat): test errors
    against the reference level and against the high level, and the DFT cost of both sets.

    Orderings are seeded like the sweep's (seed, repeat, ``sampler_index``), so S_lo and S_hi
    are the sweep's subsets of those sizes.
    """
    k, levels = data.n_features, data.levels
    ref = levels.index(reference_level)
    index_pairs = level_pairs(levels, pairs)
    low_sizes = sorted({int(n) for n in low_sizes if int(n) <= len(train)})
    high_sizes = sorted({int(n) for n in high_sizes})
    combos = [(n_lo, n_hi) for n_lo in low_sizes for n_hi in high_sizes if n_hi < n_lo]
    if not combos:
        raise ValueError(f"mixed_fidelity: no high-level size is below a low-level size "
                         f"(low {low_sizes}, high {high_sizes}, {len(train)} training "
                         "configurations); give high_sizes smaller than low_sizes")
    test_stats = SetStats.of(data, test)
    sizes = sorted({n for pair in combos for n in pair})
    rows = []
    for repeat in range(repeats):
        rng = np.random.default_rng([seed, repeat, sampler_index])
        order = train[sampling_order(len(train), sampler, rng, scores)]
        snapshots = {size: (energy.r.copy(), force.r.copy())
                     for size, energy, force in _growing_r(data, order, sizes)}
        for n_lo, n_hi in combos:
            s_lo, s_hi = np.sort(order[:n_lo]), order[:n_hi]
            low_energy = (data.energy_a[s_lo], data.energy_y[s_lo])
            cost_lo, cost_hi = cost_s[s_lo].sum(0), cost_s[s_hi].sum(0)
            fits = mixed_coefficients(k, snapshots[n_lo], snapshots[n_hi], low_energy,
                                      index_pairs, len(levels), energy_weights, force_weight,
                                      methods)
            for method, coefs in fits.items():
                errs = test_stats.errors(coefs, k)
                for wi, weight in enumerate(energy_weights):
                    for pi, (lo, hi) in enumerate(index_pairs):
                        p = wi * len(index_pairs) + pi
                        row = {"twojmax": twojmax, "method": method, "sampler": sampler,
                               "low_level": levels[lo], "high_level": levels[hi],
                               "train_level": f"{levels[lo]}+{levels[hi]}",
                               "low_size": n_lo, "high_size": n_hi, "energy_weight": weight,
                               "force_weight": force_weight, "repeat": repeat,
                               "low_cost_s": float(cost_lo[lo]),
                               "high_cost_s": float(cost_hi[hi]),
                               "dft_cost_s": float(cost_lo[lo] + cost_hi[hi])}
                        for target, col in (("reference", ref), ("high_level", hi)):
                            row[f"test_energy_rmse_meV_per_atom_vs_{target}"] = \
                                1e3 * errs["energy"][p, col]
                            row[f"test_energy_rmse_shifted_meV_per_atom_vs_{target}"] = \
                                1e3 * errs["energy_shifted"][p, col]
                            row[f"test_force_rmse_meV_per_A_vs_{target}"] = \
                                1e3 * errs["force"][p, col]
                        rows.append(row)
    return pd.DataFrame(rows)


def summarize_mixed(table: pd.DataFrame) -> pd.DataFrame:
    """Medians over repeats of the mixed points."""
    return summarize(table, keys=MIXED_KEYS)


def compare_with_single(single: pd.DataFrame, mixed: pd.DataFrame,
                        n_budgets: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mixed against single-level training at equal DFT cost, per 2Jmax.

    ``single`` and ``mixed`` are medians over repeats (pareto.summarize, summarize_mixed).
    Returns ``mixed`` with ``beats_single_levels`` (no single-level point is at most as costly
    and at most as wrong in both test errors against the reference) and ``on_joint_front`` (on
    the 3-objective front of both together), and a table: at each of ``n_budgets`` budgets
    (log-spaced over the mixed points' costs), the lowest test energy and force error that each
    kind of training reaches within that budget, with its setting.
    """
    cost, energy, force = OBJECTIVES
    mixed = mixed.copy()
    mixed["beats_single_levels"] = False
    mixed["on_joint_front"] = False
    rows = []
    for twojmax, mix in mixed.groupby("twojmax"):
        one = single[single["twojmax"] == twojmax]
        s_obj = one[OBJECTIVES].to_numpy()
        for i, point in mix[OBJECTIVES].iterrows():
            p = point.to_numpy()
            dominated = np.all(s_obj <= p, axis=1) & np.any(s_obj < p, axis=1)
            equal = np.all(s_obj == p, axis=1)
            mixed.loc[i, "beats_single_levels"] = not (dominated.any() or equal.any())
        both = np.vstack([s_obj, mix[OBJECTIVES].to_numpy()])
        mixed.loc[mix.index, "on_joint_front"] = non_dominated(both)[len(one):]
        budgets = np.geomspace(mix[cost].min(), max(mix[cost].max(), one[cost].min()), n_budgets)
        for budget in budgets:
            for objective, name in ((energy, "energy"), (force, "force")):
                row = {"twojmax": twojmax, "budget_s": budget, "objective": name}
                for kind, pts in (("single", one), ("mixed", mix)):
                    within = pts[pts[cost] <= budget]
                    if within.empty:
                        row.update({f"best_{kind}_rmse": np.nan, f"{kind}_setting": "",
                                    f"{kind}_cost_s": np.nan})
                        continue
                    best = within.loc[within[objective].idxmin()]
                    row[f"best_{kind}_rmse"] = best[objective]
                    row[f"{kind}_cost_s"] = best[cost]
                    row[f"{kind}_setting"] = setting_name(best)
                single_best, mixed_best = row["best_single_rmse"], row["best_mixed_rmse"]
                row["mixed_gain_percent"] = 100 * (single_best - mixed_best) / single_best
                rows.append(row)
    table = pd.DataFrame(rows)
    units = {"energy": "meV_per_atom", "force": "meV_per_A"}
    if not table.empty:
        table["unit"] = table["objective"].map(units)
    return mixed, table


def setting_name(point: pd.Series) -> str:
    """A short name of a fitted point: level(s), sizes, energy weight."""
    if "method" in point and isinstance(point.get("method"), str):
        return (f"{point['method']} L{point['low_level']}×{int(point['low_size'])}"
                f" + L{point['high_level']}×{int(point['high_size'])}, w_E {point['energy_weight']:g}")
    return (f"L{point['train_level']}×{int(point['size'])} {point['sampler']}, "
            f"w_E {point['energy_weight']:g}")
