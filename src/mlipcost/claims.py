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
                     read_size_files, summarize)

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


def claim_low_levels_off_front(ev: Evidence) -> tuple[str, str]:
    """Levels 1–2 give no front point inside the accuracy window (per 2Jmax: the front's
    points in the window and where the two lowest levels sit on it)."""
    low = ev.levels[:2]
    parts, inside_low = [], 0
    e_max, f_max, how = _window(ev)
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


def claim_reference_only_at_edge(ev: Evidence) -> tuple[str, str]:
    """The reference level is on the front only at its low-error edge: each of its front points
    within 10 % of the front's best energy or force error."""
    verdicts, parts = [], []
    for twojmax, pts in ev.points.groupby("twojmax"):
        on = pts[pts["on_front"]]
        ref = on[on["train_level"].astype(str) == ev.reference]
        if ref.empty:
            parts.append(f"2Jmax {twojmax}: level {ev.reference} not on the front")
            verdicts.append(True)
            continue
        # the low-error edge: within 10 % of the front's best energy or best force error
        edge = (ref[E_REF] <= 1.1 * on[E_REF].min()) | (ref[F_REF] <= 1.1 * on[F_REF].min())
        cost_rank = (on["dft_cost_min"].rank(pct=True)[ref.index]).min()
        verdicts.append(bool(edge.all()))
        parts.append(f"2Jmax {twojmax}: {len(ref)} of {len(on)} front points are level "
                     f"{ev.reference}, {int(edge.sum())} of them within 10 % of the front's best "
                     f"energy or force error; cheapest at the {100 * cost_rank:.0f}th cost "
                     "percentile of the front")
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


def claim_level_grows_with_budget(ev: Evidence) -> tuple[str, str]:
    """At 2Jmax 10 the front's training level grows with the DFT budget (Spearman ≥ 0.5
    between cost and level on the front; its budget bands as numbers)."""
    twojmaxes = sorted(ev.points["twojmax"].unique())
    if 10 not in twojmaxes:
        numbers = []
        for twojmax in twojmaxes:
            pts = ev.points[ev.points["twojmax"] == twojmax]
            rho = level_trend(pts, "dft_cost_min", ev.levels)
            numbers.append(f"2Jmax {twojmax}: Spearman(cost, level) on the front {rho:.2f}, "
                           + _bands_text(pts))
        return UNTESTABLE, ("the claim is about 2Jmax 10, which this data lacks; for reference: "
                            + "; ".join(numbers))
    pts = ev.points[ev.points["twojmax"] == 10]
    rho = level_trend(pts, "dft_cost_min", ev.levels)
    return (HOLDS if rho >= 0.5 else FAILS), (f"2Jmax 10: Spearman(cost, level) on the front "
                                              f"{rho:.2f} (holds if >= 0.5); " + _bands_text(pts))


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


def claim_force_weight_helps_low_levels(ev: Evidence) -> tuple[str, str]:
    """For the cheaper half of the ladder (levels 1–3 of six), the force-weighted whole-half
    model has a lower test energy error vs the reference than the energy-weighted one (Tables
    4/5 weights)."""
    if ev.whole_half is None:
        return UNTESTABLE, "no whole-half fits"
    ew = _table_rows(ev, ev.table_weights["energy_weighted"])
    fw = _table_rows(ev, ev.table_weights["force_weighted"])
    held, parts = [], []
    for twojmax in sorted(ew.index.get_level_values(0).unique()):
        for level in ev.low_levels:
            key = (twojmax, level) if (twojmax, level) in ew.index else (twojmax, int(level))
            e_e, e_f = ew.loc[key, E_REF], fw.loc[key, E_REF]
            held.append(e_f < e_e)
            parts.append(f"2Jmax {twojmax} level {level}: {e_f:.4g} (force-weighted) vs "
                         f"{e_e:.4g} (energy-weighted) meV/atom")
    return (HOLDS if all(held) else FAILS), "; ".join(parts)


def claim_low_levels_predict_reference(ev: Evidence) -> tuple[str, str]:
    """Models trained on the cheaper half of the ladder predict the reference level's forces at
    least as well as their own level's (Table 5); the energies are reported, not judged."""
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
                force_held.append(f_ref <= f_self)
                energy_held.append(e_ref <= e_self)
                parts.append(f"{name} 2Jmax {twojmax} level {level}: force {f_ref:.4g} vs own "
                             f"{f_self:.4g} meV/Å, energy {e_ref:.4g} vs own {e_self:.4g} meV/atom")
    summary = (f"forces: {sum(force_held)} of {len(force_held)} models at least as good against "
               f"level {ev.reference}; energies (unshifted): {sum(energy_held)} of "
               f"{len(energy_held)}")
    # The paper's evidence is Table 5 (forces); its unshifted energies of levels 1-2 do not.
    return (HOLDS if all(force_held) else FAILS), summary + ". " + "; ".join(parts)


def claim_simple_models_less_sensitive(ev: Evidence) -> tuple[str, str]:
    """The simplest model (smallest 2Jmax) is less sensitive to the training level than the most
    complex: its largest relative error rise over the upper-half levels is smaller."""
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
    if (lo, hi) != (4, 10):
        text += f" (the claim compares 2Jmax 4 and 10; tested here with {lo} and {hi})"
    return (HOLDS if spread[lo] < spread[hi] else FAILS), text


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


def claim_leverage_needs_fewer(ev: Evidence) -> tuple[str, str]:
    """Leverage sampling reaches the saturated error with fewer configurations than random
    sampling (the sizes log-interpolated on the median learning curves, energy and force)."""
    if ev.samplers is None or not {"random", "leverage"} <= set(ev.samplers["sampler"]):
        return UNTESTABLE, "needs random and leverage sampling"
    verdicts, parts = [], []
    for twojmax, grp in ev.samplers.groupby("twojmax"):
        rnd, lev = grp[grp["sampler"] == "random"], grp[grp["sampler"] == "leverage"]
        # saturation: the best median of either sampler at the largest size
        largest = grp["size"].max()
        sat_e = grp[grp["size"] == largest][E_REF].min()
        sat_f = grp[grp["size"] == largest][F_REF].min()
        e_target, f_target = 1.1 * sat_e, sat_f + 10.0  # the paper: within ~10 meV/Å for forces
        ratio_e = _size_to_reach(rnd, E_REF, e_target) / _size_to_reach(lev, E_REF, e_target)
        ratio_f = _size_to_reach(rnd, F_REF, f_target) / _size_to_reach(lev, F_REF, f_target)
        verdicts.append(ratio_e >= 5 and ratio_f >= 2)
        parts.append(f"2Jmax {twojmax}: to reach 1.1 x the saturated energy error "
                     f"({e_target:.3g} meV/atom) random needs {ratio_e:.3g}x the configurations "
                     f"of leverage; to come within 10 meV/Å of the saturated force error "
                     f"({f_target:.3g} meV/Å) {ratio_f:.3g}x (holds if >= 5x and >= 2x)")
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


def claim_leverage_vs_block(ev: Evidence) -> tuple[str, str]:
    """Regular leverage gives the lower energy error and block leverage the lower force error
    at most training sizes (median learning curves)."""
    if ev.samplers is None or not {"leverage", "block_leverage"} <= set(ev.samplers["sampler"]):
        return UNTESTABLE, "needs leverage and block-leverage sampling"
    verdicts, parts = [], []
    for twojmax, grp in ev.samplers.groupby("twojmax"):
        wide = grp.pivot_table(index="size", columns="sampler", values=[E_REF, F_REF])
        e_lev = (wide[E_REF]["leverage"] < wide[E_REF]["block_leverage"]).mean()
        f_blk = (wide[F_REF]["block_leverage"] < wide[F_REF]["leverage"]).mean()
        de = (wide[E_REF]["block_leverage"] / wide[E_REF]["leverage"] - 1).median()
        df = (wide[F_REF]["leverage"] / wide[F_REF]["block_leverage"] - 1).median()
        verdicts.append(e_lev > 0.5 and f_blk > 0.5)
        parts.append(f"2Jmax {twojmax}: leverage has the lower energy error at "
                     f"{100 * e_lev:.0f} % of sizes (block's median excess {100 * de:.1f} %), "
                     f"block leverage the lower force error at {100 * f_blk:.0f} % "
                     f"(leverage's median excess {100 * df:.1f} %)")
    return (HOLDS if all(verdicts) else FAILS), "; ".join(parts)


CLAIMS = [
    ("levels 1 and 2 never appear on the accuracy/cost Pareto front inside the plotted error "
     "window", claim_low_levels_off_front),
    ("level 6 appears only at the extreme low-error edge of the front", claim_reference_only_at_edge),
    ("for 2Jmax 10 the best level grows with the DFT budget", claim_level_grows_with_budget),
    ("a higher force weight lowers the level-6 energy error of models trained on levels 1-3",
     claim_force_weight_helps_low_levels),
    ("models trained on low levels predict level-6 labels at least as well as their own labels",
     claim_low_levels_predict_reference),
    ("simple models (2Jmax 4) are less sensitive to the training level than complex ones "
     "(2Jmax 10)", claim_simple_models_less_sensitive),
    ("leverage sampling reaches the saturated energy error with about 10x fewer configurations "
     "than random sampling; about 3-4x fewer for forces", claim_leverage_needs_fewer),
    ("regular leverage gives lower energy errors, block leverage lower force errors",
     claim_leverage_vs_block),
]


def check_claims(ev: Evidence, claim_texts: list[str] | None = None) -> pd.DataFrame:
    """One row per claim: its text (the reference file's, when given), verdict, and numbers."""
    if claim_texts is not None and len(claim_texts) != len(CLAIMS):
        raise ValueError(f"the claims file lists {len(claim_texts)} claims; mlipcost checks "
                         f"{len(CLAIMS)} (in the order of the paper's paper_tables.yaml)")
    rows = []
    for i, (text, check) in enumerate(CLAIMS):
        try:
            verdict, numbers = check(ev)
        except KeyError as err:  # a level or weight the study does not have
            verdict, numbers = UNTESTABLE, f"this data lacks {err}"
        rows.append({"claim": i + 1, "statement": claim_texts[i] if claim_texts else text,
                     "verdict": verdict, "numbers": numbers, "evidence": ev.source})
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
    whole = paper_dir / "2D_pareto.csv"
    samplers = paper_dir / "sampling_methods_comparison"
    sampler_summary = None
    if samplers.is_dir():
        sampler_summary = summarize(read_paper_samplers(samplers).assign(
            repeat=lambda d: d.groupby(["twojmax", "sampler", "size"]).cumcount()))
    return Evidence(source=f"paper files ({paper_dir.name})", levels=PAPER_LEVELS, points=points,
                    whole_half=read_paper_whole_half(whole) if whole.exists() else None,
                    samplers=sampler_summary)


def workflow_evidence(summary: pd.DataFrame, whole_half: pd.DataFrame | None,
                      levels: list[str], table_weights: dict[str, float],
                      sampler_weight: float) -> Evidence:
    """Evidence from this workflow's pareto summary (fronts on the configured rule) and whole-half
    fits; the sampler comparison is the reference level at ``sampler_weight``."""
    summary = summary.copy()
    summary["train_level"] = summary["train_level"].astype(str)
    sel = summary[(summary["train_level"] == str(levels[-1]))
                  & np.isclose(summary["energy_weight"], sampler_weight)]
    return Evidence(source="this workflow", levels=[str(v) for v in levels],
                    points=summary[summary["in_front_pool"]] if "in_front_pool" in summary
                    else summary,
                    whole_half=whole_half, samplers=sel if len(sel) else None,
                    table_weights=table_weights, sampler_weight=sampler_weight)


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
