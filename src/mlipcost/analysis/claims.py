"""The paper's qualitative claims, each tested on a study's numbers.

Baghishov et al. (Digital Discovery 2026) state eight findings (``claims`` in the reference
``paper_tables.yaml``, in this order). Each check below reads the evidence a study produces: the
accuracy/cost front (Sec. 3.5, Fig. 7), the models trained on the whole training half (Tables 4
and 5, the 2D front of Sec. 3.3) and the sampler comparison (Sec. 3.4, Fig. 6). The evidence comes
either from the paper's own published result files or from this workflow's results, so the same
verdicts can be read side by side. A verdict is ``holds``, ``does not hold`` or ``not testable``
(the data lacks what the claim needs); the numbers that decide it are printed with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .pareto import (OBJECTIVES, budget_bands, level_trend, nearest_weight, paper_front,
                     read_paper_3d, read_size_files, summarize)

HOLDS, FAILS, UNTESTABLE = "holds", "does not hold", "not testable"
E_REF, F_REF = OBJECTIVES[1], OBJECTIVES[2]

# The paper's plotted window of Fig. 7 (2Jmax 6) and the errors its reference-level model
# reaches on the whole training half at energy weight 150 (its 2D_pareto.csv): a study's window
# is scaled by the ratio of its own such errors, so that "inside the window" means the same
# distance from the best model.
PAPER_WINDOW = {"energy": 22.0, "force": 200.0}
PAPER_BEST = {"energy": 8.299, "force": 166.52}


@dataclass
class Evidence:
    """What the claims are tested on; errors in meV/atom and meV/Å against the reference level,
    DFT cost in minutes."""

    source: str
    levels: list[str]                    # ladder order, cheapest first; the last is the reference
    points: pd.DataFrame                 # medians per setting, with on_front per 2Jmax
    whole_half: pd.DataFrame | None      # models on the whole training half, per weight and level
    samplers: pd.DataFrame | None        # medians per (twojmax, sampler, size) at one weight
    table_weights: dict[str, float] = field(
        default_factory=lambda: {"energy_weighted": 150.0, "force_weighted": 12.25})
    sampler_weight: float = 150.0
    # per-repeat rows behind ``points`` and ``samplers`` (their medians): what the bootstrap
    # resamples; None where only medians are at hand
    point_repeats: pd.DataFrame | None = None
    sampler_repeats: pd.DataFrame | None = None

    @property
    def reference(self) -> str:
        """The reference level: the ladder's last."""
        return self.levels[-1]

    @property
    def low_levels(self) -> list[str]:
        """The cheaper half of the ladder below the reference (levels 1-3 of the paper's six)."""
        return self.levels[: max(1, len(self.levels) // 2)]


@dataclass
class Verdict:
    """A claim's verdict on one data set: supported or not, with the numbers behind it."""
    number: int
    claim: str
    verdict: str
    numbers: str


def _fmt(values: dict, unit: str = "") -> str:
    return ", ".join(f"{k}: {v:.4g}{unit}" for k, v in values.items())


def _window(ev: Evidence) -> tuple[float, float, str]:
    """The paper's error window, scaled to this study's best whole-half reference model."""
    if ev.source.startswith("paper"):
        return PAPER_WINDOW["energy"], PAPER_WINDOW["force"], "the paper's window"
    if ev.whole_half is None:
        return np.nan, np.nan, "no whole-half fits"
    w = ev.whole_half
    best = w[(w["train_level"].astype(str) == ev.reference)
             & np.isclose(w["energy_weight"], ev.table_weights["energy_weighted"])]
    best = best.groupby("twojmax").median(numeric_only=True)
    twojmax = 6 if 6 in best.index else best.index.max()
    e = PAPER_WINDOW["energy"] / PAPER_BEST["energy"] * best.loc[twojmax, E_REF]
    f = PAPER_WINDOW["force"] / PAPER_BEST["force"] * best.loc[twojmax, F_REF]
    return e, f, (f"the paper's window scaled to this study's 2Jmax-{twojmax} reference model "
                  f"({best.loc[twojmax, E_REF]:.3g} meV/atom, {best.loc[twojmax, F_REF]:.3g} meV/Å)")


def claim_low_levels_off_front(ev: Evidence, window_scale: float = 1.0) -> tuple[str, str]:
    """Levels 1–2 give no front point inside the accuracy window (per 2Jmax: the front's
    points in the window and where the two lowest levels sit on it); ``window_scale`` widens or
    narrows the window."""
    low = ev.levels[:2]
    parts, inside_low = [], 0
    e_max, f_max, how = _window(ev)
    e_max, f_max = window_scale * e_max, window_scale * f_max
    for twojmax, pts in ev.points.groupby("twojmax"):
        on = pts[pts["on_front"]]
        inside = on[(on[E_REF] <= e_max) & (on[F_REF] <= f_max)]
        n_low = int(inside["train_level"].astype(str).isin(low).sum())
        inside_low += n_low
        corner = on[on["train_level"].astype(str).isin(low)]
        rest = on[~on["train_level"].astype(str).isin(low)]
        only_corner = corner.empty or rest.empty or corner["dft_cost_min"].max() <= \
            rest["dft_cost_min"].min()
        parts.append(f"2Jmax {twojmax}: {len(on)} non-dominated of {len(pts)}, {len(inside)} "
                     f"inside the window (levels {sorted(inside['train_level'].astype(str).unique())}"
                     f"), levels {low[0]}-{low[1]} on the front: {len(corner)} points"
                     + (" (all cheaper than any other level's)" if len(corner) and only_corner
                        else ""))
    text = (f"window energy <= {e_max:.3g} meV/atom, force <= {f_max:.3g} meV/Å ({how}); "
            + "; ".join(parts))
    if not np.isfinite(e_max):
        return UNTESTABLE, text
    return (HOLDS if inside_low == 0 else FAILS), text


def claim_reference_only_at_edge(ev: Evidence, edge_fraction: float = 0.1) -> tuple[str, str]:
    """The reference level is on the front only at its low-error edge: every one of its front
    points ranks among the ``edge_fraction`` of front points with the lowest energy error or
    among those with the lowest force error. A level spread over the front fails; the numbers
    give, for contrast, the share of each other level's front points at that edge."""
    verdicts, parts = [], []
    for twojmax, pts in ev.points.groupby("twojmax"):
        on = pts[pts["on_front"]]
        if on.empty:
            continue
        levels = on["train_level"].astype(str)
        rank_e = on[E_REF].rank(method="min", pct=True)
        rank_f = on[F_REF].rank(method="min", pct=True)
        edge = (rank_e <= edge_fraction) | (rank_f <= edge_fraction)
        ref = levels == ev.reference
        # threshold-free: how far from the edge the reference's least edge-like point lies
        worst = float(np.minimum(rank_e, rank_f)[ref].max()) if ref.any() else np.nan
        verdicts.append(bool(edge[ref].all()) if ref.any() else True)
        shares = {lvl: f"{int(edge[levels == lvl].sum())}/{int((levels == lvl).sum())}"
                  for lvl in ev.levels if (levels == lvl).any()}
        parts.append(f"2Jmax {twojmax}: the edge (lowest {100 * edge_fraction:g} % of the "
                     f"{len(on)} front points in energy or force error) holds "
                     f"{int(edge[ref].sum())} of level {ev.reference}'s {int(ref.sum())} front "
                     f"points; per level at the edge: "
                     + ", ".join(f"{k}: {v}" for k, v in shares.items())
                     + f"; its front point farthest from the edge ranks in the lowest "
                     f"{100 * worst:.0f} % of the front in its better error")
    if not verdicts:
        return UNTESTABLE, "no front points"
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


# The 2Jmax a claim is stated for (the paper's evidence for claims 3, 4 and 6 is at 2Jmax 10).
# One rule for every claim: tested at that 2Jmax where the data has it, otherwise at the data's
# largest, and the verdict's scope says so.
CLAIMED_TWOJMAX = 10


def scope_twojmax(available) -> tuple[int, str]:
    """(the 2Jmax a 2Jmax-10 claim is tested at, the scope note)."""
    available = sorted(int(j) for j in available)
    if CLAIMED_TWOJMAX in available:
        return CLAIMED_TWOJMAX, ""
    chosen = available[-1]
    return chosen, (f" [scope: tested at 2Jmax {chosen}, the data's largest; the claim is "
                    f"stated for 2Jmax {CLAIMED_TWOJMAX}]")


def claim_level_grows_with_budget(ev: Evidence, min_rho: float = 0.5) -> tuple[str, str]:
    """At 2Jmax 10 (or the data's largest) the front's training level grows with the DFT budget
    (Spearman's ρ ≥ ``min_rho`` between cost and level on the front; its bands as numbers)."""
    twojmax, scope = scope_twojmax(ev.points["twojmax"].unique())
    pts = ev.points[ev.points["twojmax"] == twojmax]
    rho = level_trend(pts, "dft_cost_min", ev.levels)
    if not np.isfinite(rho):
        return UNTESTABLE, f"2Jmax {twojmax}: fewer than three front points" + scope
    return (HOLDS if rho >= min_rho else FAILS), (
        f"2Jmax {twojmax}: Spearman(cost, level) on the front {rho:.2f} (holds if >= "
        f"{min_rho:g}); " + _bands_text(pts) + scope)


def _bands_text(pts: pd.DataFrame) -> str:
    bands = budget_bands(pts, "dft_cost_min")
    if len(bands) > 8:  # many alternations: summarise by the level at each end
        head, tail = bands.iloc[0], bands.iloc[-1]
        return (f"{len(bands)} bands, cheapest {head['cost_from']:.3g} min: level {head['level']}, "
                f"most expensive from {tail['cost_from']:.3g} min: level {tail['level']}")
    return "bands " + ", ".join(f"{b.cost_from:.3g}-{b.cost_to:.3g} min: level {b.level}"
                                for b in bands.itertuples())


def _table_rows(ev: Evidence, weight: float) -> pd.DataFrame:
    w = ev.whole_half
    sel = w[np.isclose(w["energy_weight"], weight)]
    return sel.groupby(["twojmax", "train_level"]).median(numeric_only=True)


def claim_force_weight_helps_low_levels(ev: Evidence, margin: float = 0.0) -> tuple[str, str]:
    """For the cheaper half of the ladder (levels 1–3 of six), the force-weighted whole-half
    model has a test energy error vs the reference lower than the energy-weighted one's by more
    than ``margin`` (relative; Tables 4/5 weights), at 2Jmax 10 or the data's largest."""
    if ev.whole_half is None:
        return UNTESTABLE, "no whole-half fits"
    ew = _table_rows(ev, ev.table_weights["energy_weighted"])
    fw = _table_rows(ev, ev.table_weights["force_weighted"])
    twojmax, scope = scope_twojmax(ew.index.get_level_values(0).unique())
    held, parts = [], []
    for level in ev.low_levels:
        key = (twojmax, level) if (twojmax, level) in ew.index else (twojmax, int(level))
        e_e, e_f = ew.loc[key, E_REF], fw.loc[key, E_REF]
        held.append(e_f < (1 - margin) * e_e)
        parts.append(f"2Jmax {twojmax} level {level}: {e_f:.4g} (force-weighted) vs "
                     f"{e_e:.4g} (energy-weighted) meV/atom")
    return (HOLDS if all(held) else FAILS), "; ".join(parts) + scope


def claim_low_levels_predict_reference(ev: Evidence, tolerance: float = 0.0) -> tuple[str, str]:
    """Models trained on the cheaper half of the ladder predict the reference level's labels at
    least as well as their own level's (Tables 4/5): the test error against the reference is at
    most (1 + ``tolerance``) times the error against their own level, for forces and for
    (unshifted) energies, both judged."""
    if ev.whole_half is None:
        return UNTESTABLE, "no whole-half fits"
    force_held, energy_held, parts = [], [], []
    for name, weight in ev.table_weights.items():
        rows = _table_rows(ev, weight)
        for twojmax in sorted(rows.index.get_level_values(0).unique()):
            for level in ev.low_levels:
                key = (twojmax, level) if (twojmax, level) in rows.index else (twojmax, int(level))
                r = rows.loc[key]
                f_ref, f_self = r[F_REF], r["test_force_rmse_meV_per_A_vs_train_level"]
                e_ref, e_self = r[E_REF], r["test_energy_rmse_meV_per_atom_vs_train_level"]
                force_held.append(f_ref <= (1 + tolerance) * f_self)
                energy_held.append(e_ref <= (1 + tolerance) * e_self)
                parts.append(f"{name} 2Jmax {twojmax} level {level}: force {f_ref:.4g} vs own "
                             f"{f_self:.4g} meV/Å, energy {e_ref:.4g} vs own {e_self:.4g} meV/atom")
    summary = (f"forces: {sum(force_held)} of {len(force_held)} models at least as good against "
               f"level {ev.reference}; energies (unshifted): {sum(energy_held)} of "
               f"{len(energy_held)}")
    return (HOLDS if all(force_held) and all(energy_held) else FAILS), \
        summary + ". " + "; ".join(parts)


def claim_simple_models_less_sensitive(ev: Evidence, factor: float = 1.0) -> tuple[str, str]:
    """The simplest model (smallest 2Jmax) is less sensitive to the training level than the most
    complex: its largest relative error rise over the upper-half levels is below ``factor``
    times the complex model's."""
    if ev.whole_half is None:
        return UNTESTABLE, "no whole-half fits"
    twojmaxes = sorted(ev.whole_half["twojmax"].unique())
    if len(twojmaxes) < 2:
        return UNTESTABLE, f"needs two or more 2Jmax; this data has {[int(j) for j in twojmaxes]}"
    rows = _table_rows(ev, ev.table_weights["energy_weighted"])
    # sensitivity: relative rise of the test error vs the reference from the reference-level
    # model to the models of the upper half of the ladder below it (the paper's levels 3-5)
    upper = ev.levels[len(ev.levels) // 2 - 1:-1]
    spread = {}
    for twojmax in twojmaxes:
        sub = rows.loc[twojmax]
        sub.index = sub.index.astype(str)
        best = sub.loc[ev.reference]
        spread[twojmax] = max(
            float((sub.loc[upper, E_REF] / best[E_REF]).max() - 1),
            float((sub.loc[upper, F_REF] / best[F_REF]).max() - 1))
    lo, hi = twojmaxes[0], twojmaxes[-1]
    text = (f"largest relative rise of the test error (energy or force, vs level {ev.reference}) "
            f"over training levels {upper[0]}-{upper[-1]} against the level-{ev.reference} model, "
            f"energy weight {ev.table_weights['energy_weighted']:g}: "
            + ", ".join(f"2Jmax {j}: {100 * v:.1f} %" for j, v in spread.items()))
    if (lo, hi) != (4, CLAIMED_TWOJMAX):
        text += (f" [scope: tested with 2Jmax {lo} and {hi}; the claim compares 2Jmax 4 and "
                 f"{CLAIMED_TWOJMAX}]")
    return (HOLDS if spread[lo] < factor * spread[hi] else FAILS), text


def _size_to_reach(curve: pd.DataFrame, col: str, target: float) -> float:
    """The training size (log-interpolated) where the median error first reaches ``target``."""
    curve = curve.sort_values("size")
    sizes, errors = curve["size"].to_numpy(float), curve[col].to_numpy(float)
    below = np.flatnonzero(errors <= target)
    if not len(below):
        return np.inf
    j = below[0]
    if j == 0:
        return sizes[0]
    x0, x1, y0, y1 = np.log(sizes[j - 1]), np.log(sizes[j]), errors[j - 1], errors[j]
    return float(np.exp(x0 + (target - y0) * (x1 - x0) / (y1 - y0)))


def claim_leverage_needs_fewer(ev: Evidence, saturation_factor: float = 1.1,
                               force_offset_meV_per_A: float = 10.0, min_energy_ratio: float = 5.0,
                               min_force_ratio: float = 2.0) -> tuple[str, str]:
    """Leverage sampling reaches the saturated error with fewer configurations than random
    sampling: the sizes where the median learning curves first reach ``saturation_factor`` ×
    the saturated energy error (the best median at the largest size) and come within
    ``force_offset_meV_per_A`` of the saturated force error, log-interpolated; random's size
    over the better leverage kind's (regular or block, each reported). Holds when the ratios
    are at least ``min_energy_ratio`` (energy, "about 10x") and ``min_force_ratio`` (force,
    "about 3-4x")."""
    have = set(ev.samplers["sampler"]) if ev.samplers is not None else set()
    kinds = [k for k in ("leverage", "block_leverage") if k in have]
    if "random" not in have or not kinds:
        return UNTESTABLE, "needs random and a leverage sampling"
    verdicts, parts = [], []
    for twojmax, grp in ev.samplers.groupby("twojmax"):
        rnd = grp[grp["sampler"] == "random"]
        largest = grp["size"].max()
        sat_e = grp[grp["size"] == largest][E_REF].min()
        sat_f = grp[grp["size"] == largest][F_REF].min()
        e_target, f_target = saturation_factor * sat_e, sat_f + force_offset_meV_per_A
        ratios = {}
        for kind in kinds:
            lev = grp[grp["sampler"] == kind]
            ratios[kind] = (_size_to_reach(rnd, E_REF, e_target) / _size_to_reach(lev, E_REF, e_target),
                            _size_to_reach(rnd, F_REF, f_target) / _size_to_reach(lev, F_REF, f_target))
        best_e = max(r[0] for r in ratios.values())
        best_f = max(r[1] for r in ratios.values())
        verdicts.append(best_e >= min_energy_ratio and best_f >= min_force_ratio)
        parts.append(f"2Jmax {twojmax}: random needs "
                     + ", ".join(f"{r[0]:.3g}x ({kind})" for kind, r in ratios.items())
                     + f" the configurations to reach {saturation_factor:g} x the saturated energy "
                     f"error ({e_target:.3g} meV/atom) and "
                     + ", ".join(f"{r[1]:.3g}x ({kind})" for kind, r in ratios.items())
                     + f" to come within {force_offset_meV_per_A:g} meV/Å of the saturated force "
                     f"error ({f_target:.3g} meV/Å); holds if the better kind's are >= "
                     f"{min_energy_ratio:g}x and >= {min_force_ratio:g}x")
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


def claim_leverage_vs_block(ev: Evidence, majority: float = 0.5) -> tuple[str, str]:
    """Regular leverage gives the lower energy error and block leverage the lower force error
    at more than ``majority`` of the training sizes (median learning curves)."""
    if ev.samplers is None or not {"leverage", "block_leverage"} <= set(ev.samplers["sampler"]):
        return UNTESTABLE, "needs leverage and block-leverage sampling"
    verdicts, parts = [], []
    for twojmax, grp in ev.samplers.groupby("twojmax"):
        wide = grp.pivot_table(index="size", columns="sampler", values=[E_REF, F_REF])
        e_lev = (wide[E_REF]["leverage"] < wide[E_REF]["block_leverage"]).mean()
        f_blk = (wide[F_REF]["block_leverage"] < wide[F_REF]["leverage"]).mean()
        de = (wide[E_REF]["block_leverage"] / wide[E_REF]["leverage"] - 1).median()
        df = (wide[F_REF]["leverage"] / wide[F_REF]["block_leverage"] - 1).median()
        verdicts.append(e_lev > majority and f_blk > majority)
        parts.append(f"2Jmax {twojmax}: leverage has the lower energy error at "
                     f"{100 * e_lev:.0f} % of sizes (block's median excess {100 * de:.1f} %), "
                     f"block leverage the lower force error at {100 * f_blk:.0f} % "
                     f"(leverage's median excess {100 * df:.1f} %)")
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


@dataclass
class Claim:
    """One of the paper's claims: its test, the thresholds its verdict is tried at (the nominal
    value first), and which per-repeat rows a bootstrap resamples (None: one fit per setting)."""

    text: str
    check: object
    thresholds: dict[str, list] = field(default_factory=dict)
    resamples: str | None = None       # "points" (the front's settings) or "samplers"


CLAIMS = [
    Claim("levels 1 and 2 never appear on the accuracy/cost Pareto front inside the plotted error "
          "window", claim_low_levels_off_front, {"window_scale": [1.0, 0.8, 1.25, 1.5]}, "points"),
    Claim("level 6 appears only at the extreme low-error edge of the front",
          claim_reference_only_at_edge, {"edge_fraction": [0.1, 0.05, 0.15, 0.2]}, "points"),
    Claim("for 2Jmax 10 the best level grows with the DFT budget", claim_level_grows_with_budget,
          {"min_rho": [0.5, 0.3, 0.7]}, "points"),
    Claim("a higher force weight lowers the level-6 energy error of models trained on levels 1-3",
          claim_force_weight_helps_low_levels, {"margin": [0.0, 0.02, 0.05, 0.1]}),
    Claim("models trained on low levels predict level-6 labels at least as well as their own "
          "labels", claim_low_levels_predict_reference, {"tolerance": [0.0, 0.02, 0.05, 0.1]}),
    Claim("simple models (2Jmax 4) are less sensitive to the training level than complex ones "
          "(2Jmax 10)", claim_simple_models_less_sensitive, {"factor": [1.0, 0.8, 0.5]}),
    Claim("leverage sampling reaches the saturated energy error with about 10x fewer "
          "configurations than random sampling; about 3-4x fewer for forces",
          claim_leverage_needs_fewer, {"saturation_factor": [1.1, 1.05, 1.2],
                                       "force_offset_meV_per_A": [10.0, 5.0, 15.0],
                                       "min_energy_ratio": [5.0, 3.0, 8.0],
                                       "min_force_ratio": [2.0, 3.0]}, "samplers"),
    Claim("regular leverage gives lower energy errors, block leverage lower force errors",
          claim_leverage_vs_block, {"majority": [0.5, 0.6, 0.75]}, "samplers"),
]

FRONT_COST = "dft_cost_min"


def _verdict(check, ev: Evidence, **thresholds) -> tuple[str, str]:
    try:
        return check(ev, **thresholds)
    except KeyError as err:  # a level or weight the study does not have
        return UNTESTABLE, f"this data lacks {err}"


def _threshold_grid(thresholds: dict[str, list]) -> list[dict]:
    import itertools
    names = list(thresholds)
    return [dict(zip(names, values)) for values in itertools.product(*thresholds.values())]


def _resample_repeats(rows: pd.DataFrame, keys: list[str], rng) -> pd.DataFrame:
    """The rows with each setting's repeats drawn with replacement (as many as it has)."""
    group = rows.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    counts = np.bincount(sorted_group)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = starts[sorted_group] + (rng.random(len(group)) * counts[sorted_group]).astype(int)
    return rows.iloc[order[pick]]


def _front_points(rows: pd.DataFrame) -> pd.DataFrame:
    """Medians over repeats per setting and the strict front per 2Jmax (the paper's rule)."""
    from .pareto import GROUP_KEYS, non_dominated
    med = rows.groupby(GROUP_KEYS, sort=False)[[FRONT_COST, E_REF, F_REF]].median().reset_index()
    med["on_front"] = False
    for _, idx in med.groupby("twojmax").groups.items():
        med.loc[idx, "on_front"] = non_dominated(med.loc[idx, [FRONT_COST, E_REF, F_REF]]
                                                 .to_numpy(), strict=True)
    return med


def _sampler_medians(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby(["twojmax", "sampler", "size"], sort=False)[[E_REF, F_REF]] \
        .median().reset_index()


def _bootstrap(ev: Evidence, n: int, seed: int) -> dict[int, float]:
    """Per claim (index) that resamples repeats: the fraction of ``n`` bootstrap resamples in
    which it holds at its nominal thresholds (among resamples where it is testable)."""
    rng = np.random.default_rng(seed)
    holds: dict[int, list[bool]] = {}
    from .pareto import GROUP_KEYS
    for _ in range(n):
        points = samplers = None
        if ev.point_repeats is not None:
            points = _front_points(_resample_repeats(ev.point_repeats, GROUP_KEYS, rng))
        if ev.sampler_repeats is not None:
            samplers = _sampler_medians(_resample_repeats(
                ev.sampler_repeats, ["twojmax", "sampler", "size"], rng))
        for i, claim in enumerate(CLAIMS):
            data = {"points": points, "samplers": samplers}.get(claim.resamples)
            if data is None:
                continue
            resampled = Evidence(**{**ev.__dict__, claim.resamples: data})
            nominal = {k: v[0] for k, v in claim.thresholds.items()}
            verdict, _ = _verdict(claim.check, resampled, **nominal)
            if verdict != UNTESTABLE:
                holds.setdefault(i, []).append(verdict == HOLDS)
    return {i: float(np.mean(v)) for i, v in holds.items() if v}


def check_claims(ev: Evidence, claim_texts: list[str] | None = None, bootstrap: int = 200,
                 seed: int = 0) -> pd.DataFrame:
    """One row per claim: its text (the reference file's, when given), verdict and the numbers
    behind it at the nominal thresholds; its sensitivity (the thresholds tried and the share
    of them at which it holds) and its stability (the share of ``bootstrap`` resamples of the
    repeats in which it holds; 'n/a' for claims on single whole-half fits)."""
    if claim_texts is not None and len(claim_texts) != len(CLAIMS):
        raise ValueError(f"the claims file lists {len(claim_texts)} claims; mlipcost checks "
                         f"{len(CLAIMS)} (in the order of the paper's paper_tables.yaml)")
    stability = _bootstrap(ev, bootstrap, seed) if bootstrap else {}
    rows = []
    for i, claim in enumerate(CLAIMS):
        grid = _threshold_grid(claim.thresholds)
        verdict, numbers = _verdict(claim.check, ev, **grid[0])
        tried = [_verdict(claim.check, ev, **t)[0] for t in grid]
        testable = [v for v in tried if v != UNTESTABLE]
        share = float(np.mean([v == HOLDS for v in testable])) if testable else np.nan
        ranges = "; ".join(f"{k} {', '.join(f'{x:g}' for x in v)}"
                           for k, v in claim.thresholds.items())
        sensitivity = (f"holds at {sum(v == HOLDS for v in testable)} of {len(testable)} "
                       f"thresholds tried ({ranges})" if testable else "not testable")
        if claim.resamples is None:
            stable, stable_text = np.nan, "n/a: one fit per setting, no repeats to resample"
        elif i in stability:
            stable = stability[i]
            stable_text = (f"holds in {100 * stable:.0f} % of {bootstrap} bootstrap resamples "
                           "of the repeats")
        else:
            stable, stable_text = np.nan, "n/a: no per-repeat rows"
        rows.append({"claim": i + 1, "statement": claim_texts[i] if claim_texts else claim.text,
                     "verdict": verdict, "numbers": numbers, "sensitivity": sensitivity,
                     "holds_fraction_of_thresholds": share, "stability": stable_text,
                     "holds_fraction_of_resamples": stable, "evidence": ev.source})
    return pd.DataFrame(rows)


def read_claim_texts(path: str | Path) -> list[str]:
    """The paper's claim texts, in order, from ``paper_tables.yaml``."""
    import yaml

    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ValueError(f"{path}: no 'claims' list (expected the paper's paper_tables.yaml)")
    # a claim with ": " in it reads as a one-entry mapping: join it back
    return [" ".join(f"{k}: {v}" for k, v in c.items()) if isinstance(c, dict) else str(c)
            for c in data["claims"]]


# --- evidence from the paper's published result files ----------------------------------------

PAPER_LEVELS = ["1", "2", "3", "4", "5", "6"]


def _mev(series: pd.Series) -> pd.Series:
    return 1e3 * series.astype(float)


def read_paper_whole_half(path: str | Path) -> pd.DataFrame:
    """The paper's ``2D_pareto.csv`` (whole training half, 17 energy weights) in this workflow's
    column names (meV). The file has no mean-shifted errors."""
    raw = pd.read_csv(path, index_col=0)
    needed = {"Energy Weight", "2Jmax", "Train Precision", "Testing Energy RMSE (6th precision)"}
    if not needed <= set(raw.columns):
        raise ValueError(f"{path}: not the paper's 2D_pareto.csv (missing columns "
                         f"{sorted(needed - set(raw.columns))})")
    out = pd.DataFrame({"twojmax": raw["2Jmax"].astype(int),
                        "train_level": raw["Train Precision"].astype(int).astype(str),
                        "sampler": "whole_half", "energy_weight": raw["Energy Weight"].astype(float)})
    for name, where in (("train", "Training"), ("test", "Testing")):
        for target, precision in (("train_level", "train precision"), ("reference", "6th precision")):
            out[f"{name}_energy_rmse_meV_per_atom_vs_{target}"] = _mev(
                raw[f"{where} Energy RMSE ({precision})"])
            out[f"{name}_force_rmse_meV_per_A_vs_{target}"] = _mev(
                raw[f"{where} Force RMSE ({precision})"])
            out[f"{name}_energy_rmse_shifted_meV_per_atom_vs_{target}"] = np.nan
    return out


SAMPLER_NAMES = {"Random": "random", "Leverage": "leverage", "Block Leverage": "block_leverage"}


def read_paper_samplers(folder: str | Path) -> pd.DataFrame:
    """The paper's ``sampling_methods_comparison/n{size}.csv`` (50 repeats per sampler) as one
    table per repeat in this workflow's column names (meV)."""
    raw = read_size_files(folder)
    return pd.DataFrame({
        "twojmax": raw["2Jmax"].astype(int),
        "train_level": raw["Train Precision"].astype(int).astype(str),
        "sampler": raw["Sampling Method"].map(SAMPLER_NAMES),
        "size": raw["Subsample size"].astype(int),
        "energy_weight": raw["Energy Weight"].astype(float),
        E_REF: _mev(raw["Testing Energy RMSE"]),
        F_REF: _mev(raw["Testing Force RMSE"]),
    })


def paper_evidence(paper_dir: str | Path) -> Evidence:
    """Evidence from the paper's result folder (``3D_pareto/``, ``2D_pareto.csv``,
    ``sampling_methods_comparison/``); a missing part makes its claims 'not testable'."""
    paper_dir = Path(paper_dir)
    if not paper_dir.is_dir():
        raise FileNotFoundError(f"{paper_dir}: not a folder (expected the paper's 2Jmax-6 result "
                                "folder with 3D_pareto/, 2D_pareto.csv, sampling_methods_comparison/)")
    front_dir = paper_dir / "3D_pareto"
    if not front_dir.is_dir():
        raise FileNotFoundError(f"{front_dir}: missing (the paper's 3D_pareto/n{{size}}.csv.gz)")
    points = paper_front(front_dir)
    points["train_level"] = points["train_level"].astype(str)
    point_repeats = read_paper_3d(front_dir)
    point_repeats["train_level"] = point_repeats["train_level"].astype(str)
    whole = paper_dir / "2D_pareto.csv"
    samplers = paper_dir / "sampling_methods_comparison"
    sampler_summary = sampler_repeats = None
    if samplers.is_dir():
        sampler_repeats = read_paper_samplers(samplers).assign(
            repeat=lambda d: d.groupby(["twojmax", "sampler", "size"]).cumcount())
        sampler_summary = summarize(sampler_repeats)
    return Evidence(source=f"paper files ({paper_dir.name})", levels=PAPER_LEVELS, points=points,
                    whole_half=read_paper_whole_half(whole) if whole.exists() else None,
                    samplers=sampler_summary, point_repeats=point_repeats,
                    sampler_repeats=sampler_repeats)


def workflow_evidence(summary: pd.DataFrame, whole_half: pd.DataFrame | None,
                      levels: list[str], table_weights: dict[str, float],
                      sampler_weight: float, sweep: pd.DataFrame | None = None) -> Evidence:
    """Evidence from this workflow's pareto summary (fronts on the configured rule) and whole-half
    fits; the sampler comparison is the reference level at ``sampler_weight``. ``sweep`` (its
    per-repeat rows) lets the verdicts be bootstrapped over the repeats."""
    summary = summary.copy()
    summary["train_level"] = summary["train_level"].astype(str)

    def comparison(rows):
        sel = rows[(rows["train_level"] == str(levels[-1]))
                   & np.isclose(rows["energy_weight"], sampler_weight)]
        return sel if len(sel) else None
    pool = summary[summary["in_front_pool"]] if "in_front_pool" in summary else summary
    point_repeats = sampler_repeats = None
    if sweep is not None:
        sweep = sweep.assign(train_level=sweep["train_level"].astype(str),
                             dft_cost_min=sweep["dft_cost_s"] / 60.0)
        point_repeats = sweep[sweep["sampler"].isin(set(pool["sampler"]))]
        sampler_repeats = comparison(sweep)
    return Evidence(source="this workflow", levels=[str(v) for v in levels], points=pool,
                    whole_half=whole_half, samplers=comparison(summary),
                    table_weights=table_weights, sampler_weight=sampler_weight,
                    point_repeats=point_repeats, sampler_repeats=sampler_repeats)


# the learning curves that show the DFT floor: errors of the energy panel at the energy-weighted
# weight, of the force panel at the force-weighted one (Tables 4 and 5)
FLOOR_QUANTITIES = (
    ("energy", "energy_weighted", E_REF, "energy_rmsd_meV_per_atom", "meV_per_atom"),
    ("force", "force_weighted", F_REF, "force_rmsd_meV_per_A", "meV_per_A"),
)


def dft_floor(summary: pd.DataFrame, dft_rmsd: pd.DataFrame, levels: list[str],
              table_weights: dict[str, float], sampler: str) -> pd.DataFrame:
    """Does each level's learning curve flatten at its own DFT error? One row per (2Jmax,
    training level): the test error against the reference at the largest training size and its
    drop over the last doubling, next to the level's RMSD against the reference (Table 3,
    unshifted) and the quadrature sum sqrt(RMSD² + e_ref²) with e_ref the reference-trained
    model's error at the same size, which is what a model that learned its level exactly and a
    DFT error independent of the model error would reach. A table weight the sweep did not fit
    is replaced by the sweep's nearest (on a log scale), named in the ``*_panel_energy_weight``
    columns."""
    summary = summary.assign(train_level=summary["train_level"].astype(str))
    rmsd = dft_rmsd.assign(level=dft_rmsd["level"].astype(str)).set_index("level")
    rows = []
    for twojmax in sorted(summary["twojmax"].unique()):
        for level in levels:
            row = {"twojmax": int(twojmax), "train_level": level, "sampler": sampler}
            for name, weighting, col, rmsd_col, unit in FLOOR_QUANTITIES:
                weight = nearest_weight(summary["energy_weight"].unique(),
                                        table_weights[weighting])

                def curve(lvl):
                    sel = summary[(summary["twojmax"] == twojmax)
                                  & (summary["train_level"] == lvl)
                                  & (summary["sampler"] == sampler)
                                  & np.isclose(summary["energy_weight"], weight)]
                    return sel.set_index("size")[col].sort_index()
                own, ref = curve(level), curve(levels[-1])
                if own.empty:
                    raise ValueError(f"no {sampler} learning curve of level {level} at 2Jmax "
                                     f"{twojmax}, energy weight {weight:g}")
                largest = own.index[-1]
                # the fitted size nearest to half the largest, on a log scale
                half = min(own.index[:-1], key=lambda n: abs(np.log(2 * n / largest)),
                           default=largest)
                level_rmsd = 0.0 if level == levels[-1] else float(rmsd.loc[level, rmsd_col])
                row.update({
                    f"{name}_panel_energy_weight": weight,
                    f"{name}_size_largest": int(largest),
                    f"{name}_test_{unit}_at_largest": float(own.iloc[-1]),
                    f"{name}_size_half": int(half),
                    f"{name}_test_{unit}_at_half": float(own.loc[half]),
                    # how much the error fell from the half size to the largest
                    f"{name}_drop_over_last_doubling_pct": 100.0 * (1.0 - own.iloc[-1]
                                                                    / own.loc[half]),
                    f"{name}_dft_rmsd_{unit}": level_rmsd,
                    f"{name}_quadrature_sum_{unit}": float(np.hypot(level_rmsd, ref.iloc[-1])),
                    f"{name}_test_over_dft_rmsd": (float(own.iloc[-1]) / level_rmsd
                                                   if level_rmsd > 0 else np.nan),
                })
            rows.append(row)
    return pd.DataFrame(rows)
