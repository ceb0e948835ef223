"""Model families side by side: the front over family × level × size (with MD cost), the
Tables 4/5 analog of every family, learning curves against each level's DFT error, and the
training curves of the trained models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .fit import WHOLE_HALF
from ..analysis.pareto import OBJECTIVES, nearest_weight, non_dominated, summarize

TRAINED_KEYS = ["family", "train_level", "sampler", "size"]
MD_COST = "md_cost_s_per_atom_timestep"
FRONT_OBJECTIVES = [*OBJECTIVES, MD_COST]
FRONT_COLUMNS = ["family", "model", "train_level", "sampler", "size", "energy_weight",
                 "dft_cost_min", OBJECTIVES[1], OBJECTIVES[2], "md_atom_timesteps_per_s",
                 "n_repeats", "on_front"]


def qsnap_model(twojmax) -> str:
    """The model name of a qSNAP point."""
    return f"qsnap-2J{int(twojmax)}"


def trained_summary(trained: pd.DataFrame) -> pd.DataFrame:
    """Medians over repeats of a trained family's rows (16th/84th percentiles of the errors)."""
    numeric = trained.drop(columns=["model", "model_store_key"], errors="ignore")
    return summarize(numeric, keys=TRAINED_KEYS)


def family_front(summary: pd.DataFrame, trained: pd.DataFrame, md: dict[str, dict],
                 qsnap_md: dict[int, dict]) -> pd.DataFrame:
    """Every qSNAP setting of the front pool (pareto/summary.csv) and every trained setting
    (medians over repeats), with ``on_front``: not dominated in DFT cost, test energy and force
    error against the reference and MD cost (s per atom·timestep), standard dominance (models of
    one family tie on MD cost)."""
    q = summary[summary["in_front_pool"]].copy()
    q["family"] = "qsnap"
    q["model"] = q["twojmax"].map(qsnap_model)
    q["md_atom_timesteps_per_s"] = q["twojmax"].map(
        lambda j: qsnap_md[int(j)]["atom_timesteps_per_s"])
    t = trained_summary(trained)
    t["model"] = t["family"]
    t["energy_weight"] = np.nan
    t["md_atom_timesteps_per_s"] = t["family"].map(lambda f: md[f]["atom_timesteps_per_s"])
    points = pd.concat([q, t], ignore_index=True)
    points["train_level"] = points["train_level"].astype(str)
    points[MD_COST] = 1.0 / points["md_atom_timesteps_per_s"]
    points["dft_cost_min"] = points["dft_cost_s"] / 60.0
    points["on_front"] = non_dominated(points[FRONT_OBJECTIVES].to_numpy(), strict=False)
    return points[FRONT_COLUMNS]


def whole_half_table(qsnap_whole: pd.DataFrame, trained: pd.DataFrame,
                     table_weights: dict[str, float], levels: list[str]) -> pd.DataFrame:
    """The Tables 4/5 analog of every family: models on the whole training half of each level,
    tested on the test half against the reference and against their own level. qSNAP at each
    2Jmax at the tables' energy weights (nearest swept), the trained families as trained."""
    cols = {"test_energy_rmse_meV_per_atom_vs_reference": "energy_vs_reference_meV_per_atom",
            "test_force_rmse_meV_per_A_vs_reference": "force_vs_reference_meV_per_A",
            "test_energy_rmse_meV_per_atom_vs_train_level": "energy_vs_own_level_meV_per_atom",
            "test_force_rmse_meV_per_A_vs_train_level": "force_vs_own_level_meV_per_A"}
    parts = []
    for twojmax, grp in qsnap_whole.groupby("twojmax"):
        for weighting, target in table_weights.items():
            weight = nearest_weight(grp["energy_weight"].unique(), target)
            sel = grp[np.isclose(grp["energy_weight"], weight)]
            parts.append(sel.assign(model=f"{qsnap_model(twojmax)}, energy weight {weight:g}"))
    whole = trained[trained["sampler"] == WHOLE_HALF]
    for family, grp in whole.groupby("family"):
        parts.append(grp.assign(model=family))
    table = pd.concat(parts, ignore_index=True)
    table["train_level"] = table["train_level"].astype(str)
    table = table[["model", "train_level", "size", *cols]].rename(columns=cols)
    order = {lvl: i for i, lvl in enumerate(levels)}
    models = list(dict.fromkeys(table["model"]))
    return (table.assign(_m=table["model"].map(models.index), _l=table["train_level"].map(order))
            .sort_values(["_m", "_l"]).drop(columns=["_m", "_l"]).reset_index(drop=True))


def level_sensitivity(whole: pd.DataFrame, levels: list[str], reference_level: str
                      ) -> pd.DataFrame:
    """Claim 6 across families: per model of the Tables 4/5 analog (``whole_half_table``), the
    largest relative rise of its test error against the reference (energy and force) from its
    reference-level model to its models of the upper half of the ladder below the reference
    (the paper's levels 3-5 of six), the measure of claims.claim_simple_models_less_sensitive.
    NaN where a model lacks one of those levels."""
    ref_pos = levels.index(str(reference_level))
    upper = levels[len(levels) // 2 - 1:ref_pos]
    rows = []
    for model, grp in whole.groupby("model", sort=False):
        grp = grp.set_index("train_level")
        row = {"model": model, "levels": f"{upper[0]}-{upper[-1]} vs {reference_level}"}
        for name, col in (("energy", "energy_vs_reference_meV_per_atom"),
                          ("force", "force_vs_reference_meV_per_A")):
            have = all(lvl in grp.index for lvl in [*upper, str(reference_level)])
            row[f"reference_model_{col}"] = (float(grp.loc[str(reference_level), col])
                                             if str(reference_level) in grp.index else np.nan)
            row[f"largest_{name}_rise_percent"] = (
                100 * float((grp.loc[upper, col] / grp.loc[str(reference_level), col]).max() - 1)
                if have else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _reference_model_errors(whole: pd.DataFrame, model: str, reference_level: str,
                            energy_weight: float) -> pd.Series | None:
    """The reference-level whole-half model of ``model`` in the Tables 4/5 analog: the trained
    family's own, or qSNAP's at the table energy weight nearest ``energy_weight``."""
    names = [m for m in whole["model"].unique()
             if m == model or m.startswith(f"{model}, energy weight ")]
    if not names:
        return None
    weight = {m: float(m.rsplit(" ", 1)[1]) if m != model else energy_weight for m in names}
    name = min(names, key=lambda m: abs(np.log(weight[m] / energy_weight)))
    rows = whole[(whole["model"] == name) & (whole["train_level"] == str(reference_level))]
    return None if rows.empty else rows.iloc[0]


def claims_by_family(points: pd.DataFrame, whole: pd.DataFrame, levels: list[str],
                     reference_level: str, table_weights: dict[str, float]) -> pd.DataFrame:
    """The paper's claims 1, 2, 3 and 5 for every model (qSNAP per 2Jmax, each trained family),
    with the definitions of ``mlipcost.analysis.claims``, each on the model's own accuracy/cost
    front (DFT cost, test energy and force error against the reference; the paper's strict
    dominance) and its Tables 4/5 analog:

    1. levels 1-2 are never on the front inside the paper's error window, scaled by the model's
       own reference-level whole-half errors (as the claims do with qSNAP 2Jmax 6);
    2. every reference-level front point is at the front's low-error edge (among the lowest 10 %
       of the front's points in energy or force error, at least the best one: a trained family's
       front has a few points);
    3. the front's training level grows with the DFT budget (Spearman ρ ≥ 0.5);
    5. the models of the cheaper half of the ladder are at least as accurate against the
       reference level as against their own, in energy and in force.
    """
    from ..analysis.claims import FAILS, HOLDS, PAPER_BEST, PAPER_WINDOW, UNTESTABLE
    from ..analysis.pareto import level_trend

    e, f = OBJECTIVES[1], OBJECTIVES[2]
    reference = str(reference_level)
    low, low_half = levels[:2], levels[:max(1, len(levels) // 2)]
    rows = []
    for model, pts in points.groupby("model", sort=False):
        pts = pts.assign(train_level=pts["train_level"].astype(str))
        pts["on_front"] = non_dominated(pts[["dft_cost_min", e, f]].to_numpy(), strict=True)
        on = pts[pts["on_front"]]

        def add(number, statement, verdict, numbers):
            rows.append({"model": model, "claim": number, "statement": statement,
                         "verdict": verdict, "numbers": numbers,
                         "settings": len(pts), "front_points": len(on)})

        best = _reference_model_errors(whole, model, reference, table_weights["energy_weighted"])
        statement = f"levels {low[0]} and {low[1]} never on the front inside the error window"
        if best is None:
            add(1, statement, UNTESTABLE, f"no level-{reference} whole-half model")
        else:
            e_max = PAPER_WINDOW["energy"] / PAPER_BEST["energy"] * best["energy_vs_reference_meV_per_atom"]
            f_max = PAPER_WINDOW["force"] / PAPER_BEST["force"] * best["force_vs_reference_meV_per_A"]
            inside = on[(on[e] <= e_max) & (on[f] <= f_max)]
            n_low = int(inside["train_level"].isin(low).sum())
            add(1, statement, HOLDS if n_low == 0 else FAILS,
                f"window energy <= {e_max:.3g} meV/atom, force <= {f_max:.3g} meV/Å (the paper's "
                f"scaled to this model's level-{reference} whole-half errors); {len(inside)} front "
                f"points inside, {n_low} of levels {low[0]}-{low[1]}; levels inside: "
                f"{sorted(inside['train_level'].unique(), key=levels.index)}")
        ref_front = on["train_level"] == reference
        statement = f"level {reference} only at the front's low-error edge"
        if not ref_front.any():
            add(2, statement, HOLDS if len(on) else UNTESTABLE,
                f"level {reference} has no front point" if len(on) else "no front points")
        else:
            # the edge: the lowest 10 % of the front's points, and at least its best one
            n_edge = max(1, int(np.floor(0.1 * len(on))))
            rank = np.minimum(on[e].rank(method="min"), on[f].rank(method="min"))[ref_front]
            add(2, statement, HOLDS if (rank <= n_edge).all() else FAILS,
                f"{int((rank <= n_edge).sum())} of level {reference}'s {int(ref_front.sum())} "
                f"front points among the {n_edge} of the {len(on)} front points with the lowest "
                f"energy or force error; the farthest ranks {int(rank.max())}")
        rho = level_trend(pts, "dft_cost_min", levels)
        add(3, "the front's training level grows with the DFT budget",
            UNTESTABLE if not np.isfinite(rho) else HOLDS if rho >= 0.5 else FAILS,
            "fewer than three front points" if not np.isfinite(rho) else
            f"Spearman(cost, level) on the front {rho:.2f} (holds if >= 0.5); front levels by "
            f"cost: {' '.join(on.sort_values('dft_cost_min')['train_level'])}")
        tables = whole[(whole["model"] == model)
                       | whole["model"].str.startswith(f"{model}, energy weight ")]
        tables = tables[tables["train_level"].isin(low_half)]
        statement = (f"models of levels {low_half[0]}-{low_half[-1]} at least as accurate "
                     f"against level {reference} as against their own")
        if tables.empty:
            add(5, statement, UNTESTABLE, "no whole-half models of those levels")
        else:
            force = tables["force_vs_reference_meV_per_A"] <= tables["force_vs_own_level_meV_per_A"]
            energy = (tables["energy_vs_reference_meV_per_atom"]
                      <= tables["energy_vs_own_level_meV_per_atom"])
            add(5, statement, HOLDS if force.all() and energy.all() else FAILS,
                f"forces: {int(force.sum())} of {len(tables)}, energies: {int(energy.sum())} of "
                f"{len(tables)}; " + "; ".join(
                    f"{r.model} level {r.train_level}: {r.force_vs_reference_meV_per_A:.4g} vs own "
                    f"{r.force_vs_own_level_meV_per_A:.4g} meV/Å, "
                    f"{r.energy_vs_reference_meV_per_atom:.4g} vs own "
                    f"{r.energy_vs_own_level_meV_per_atom:.4g} meV/atom"
                    for r in tables.itertuples()))
    return pd.DataFrame(rows)


def _plt():
    from ..analysis import plots  # sets the non-interactive backend first
    import matplotlib.pyplot as plt
    return plots, plt


def front_plot(points: pd.DataFrame, path: Path) -> None:
    """Test errors against DFT cost for every family; colour: training level, marker: model,
    outlined: on the four-objective front."""
    plots, plt = _plt()
    levels = sorted(points["train_level"].unique(), key=lambda s: (len(s), s))
    colors = plots._level_colors(levels)
    models = list(dict.fromkeys(points.sort_values("family", key=lambda s: s != "qsnap")["model"]))
    markers = dict(zip(models, "o^sDvP*X"))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharex=True)
    for ax, col, label in ((axes[0], OBJECTIVES[1], "test energy RMSE vs reference (meV/atom)"),
                           (axes[1], OBJECTIVES[2], "test force RMSE vs reference (meV/Å)")):
        for model in models:
            for lvl in levels:
                sel = points[(points["model"] == model) & (points["train_level"] == lvl)]
                if sel.empty:
                    continue
                on = sel["on_front"].to_numpy()
                ax.scatter(sel["dft_cost_min"][~on], sel[col][~on], s=16, marker=markers[model],
                           color=colors[lvl], alpha=0.3)
                ax.scatter(sel["dft_cost_min"][on], sel[col][on], s=40, marker=markers[model],
                           facecolor=colors[lvl], edgecolor="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        plots._label_log_axes(ax, "", label)
    handles = [plt.Line2D([], [], linestyle="", marker="o", color=colors[lvl], label=f"level {lvl}")
               for lvl in levels]
    handles += [plt.Line2D([], [], linestyle="", marker=markers[m], color="grey", label=m)
                for m in models]
    axes[0].legend(handles=handles, fontsize=7, ncol=2,
                   title="colour: training level; marker: model (outlined: front)",
                   title_fontsize=7)
    fig.supxlabel("DFT cost of the training set (min)", fontsize=10)
    fig.suptitle("Accuracy vs DFT cost by model family (front: DFT cost, energy, force, MD cost)")
    plots._save(fig, path)


def learning_curves_plot(trained: pd.DataFrame, summary: pd.DataFrame, rmsd: pd.DataFrame,
                         levels: list[str], reference_level: str,
                         table_weights: dict[str, float], path: Path) -> None:
    """Test error against the reference vs training-set size for each trained family's levels
    (medians, 16–84 % band; the whole-half model as a large marker), the largest-2Jmax qSNAP
    curve of the same level and sampler at the tables' energy weight (dotted), and each level's
    DFT RMSD against the reference (Table 3, dashed)."""
    plots, plt = _plt()
    t = trained_summary(trained)
    t["train_level"] = t["train_level"].astype(str)
    q = summary.assign(train_level=summary["train_level"].astype(str))
    twojmax = int(q["twojmax"].max())
    weight = nearest_weight(q["energy_weight"].unique(), table_weights["energy_weighted"])
    rmsd = rmsd.assign(level=rmsd["level"].astype(str)).set_index("level")
    shown = [lvl for lvl in levels if lvl in set(t["train_level"])]
    colors = plots._level_colors(levels)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
    panels = ((OBJECTIVES[1], "energy_rmsd_meV_per_atom", "test energy RMSE vs reference (meV/atom)"),
              (OBJECTIVES[2], "force_rmsd_meV_per_A", "test force RMSE vs reference (meV/Å)"))
    curve_samplers = sorted(set(t["sampler"]) - {WHOLE_HALF})
    # qSNAP's curve of the trained family's sampler, or of the front's (leverage) without curves
    q_sampler = (curve_samplers[0] if curve_samplers else
                 "leverage" if "leverage" in set(q["sampler"]) else sorted(set(q["sampler"]))[0])
    for ax, (col, rmsd_col, label) in zip(axes, panels):
        for family, fam in t.groupby("family"):
            for lvl in shown:
                sel = fam[fam["train_level"] == lvl]
                curve = sel[sel["sampler"] != WHOLE_HALF].sort_values("size")
                if len(curve):
                    ax.plot(curve["size"], curve[col], marker="o", ms=3, color=colors[lvl],
                            label=f"{family}, level {lvl}")
                    ax.fill_between(curve["size"], curve[col + "_p16"], curve[col + "_p84"],
                                    color=colors[lvl], alpha=0.12)
                whole = sel[sel["sampler"] == WHOLE_HALF]
                ax.scatter(whole["size"], whole[col], s=60, marker="*", color=colors[lvl],
                           edgecolor="black", linewidth=0.5, zorder=3,
                           label=None if len(curve) else f"{family}, level {lvl}")
        for lvl in shown:
            sel = q[(q["twojmax"] == twojmax) & (q["train_level"] == lvl)
                    & (q["sampler"] == q_sampler)
                    & np.isclose(q["energy_weight"], weight)].sort_values("size")
            ax.plot(sel["size"], sel[col], linestyle=":", color=colors[lvl], linewidth=1.2)
            if lvl != str(reference_level) and lvl in rmsd.index:
                ax.axhline(float(rmsd.loc[lvl, rmsd_col]), color=colors[lvl], linestyle="--",
                           linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        plots._label_log_axes(ax, "training configurations", label)
    handles, labels = axes[0].get_legend_handles_labels()
    handles += [plt.Line2D([], [], color="grey", linestyle=":"),
                plt.Line2D([], [], color="grey", linestyle="--"),
                plt.Line2D([], [], color="grey", marker="*", linestyle="")]
    labels += [f"qSNAP 2Jmax {twojmax}, energy weight {weight:g} ({q_sampler})",
               "level's DFT RMSD vs reference (Table 3)", "whole training half"]
    # below the panels: inside, it hid the curves of the worst levels
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=7)
    fig.suptitle("Learning curves by model family against each level's DFT error"
                 + (f" ({', '.join(curve_samplers)} sampling)" if curve_samplers else ""))
    plots._save(fig, path)


def training_curves_plot(trained: pd.DataFrame, store, path: Path,
                         levels: list[str] | None = None) -> None:
    """Validation errors against epoch of every whole-half trained model (from its store entry):
    is it converged? An early stop of stage one jumps MACE's epoch count to stage two's start:
    the line breaks there, and a dotted line marks where stage two began."""
    plots, plt = _plt()
    from matplotlib.ticker import MaxNLocator
    whole = trained[trained["sampler"] == WHOLE_HALF]
    levels = levels or sorted(whole["train_level"].astype(str).unique(),
                              key=lambda s: (len(s), s))
    colors = plots._level_colors(levels)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for _, row in whole.iterrows():
        entry = store.read(str(row["family"]), str(row["model_store_key"]))
        lvl = str(row["train_level"])
        epoch = entry.curve["epoch"].astype(float) + 1
        jumps = np.flatnonzero(np.diff(epoch) > 1)
        for ax, col in zip(axes, ("valid_energy_rmse_meV_per_atom", "valid_force_rmse_meV_per_A")):
            values = entry.curve[col].astype(float)
            x, y = np.insert(epoch, jumps + 1, np.nan), np.insert(values, jumps + 1, np.nan)
            ax.plot(x, y, color=colors[lvl], label=f"{row['family']}, level {lvl}")
            for j in jumps:
                ax.axvline(epoch[j + 1], color=colors[lvl], linestyle=":", linewidth=1)
    for ax, label in zip(axes, ("validation energy RMSE (meV/atom)",
                                "validation force RMSE (meV/Å)")):
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.25)
        plots.tidy_log_axis(ax.yaxis)
    if len(whole):
        handles, labels = axes[0].get_legend_handles_labels()
        handles.append(plt.Line2D([], [], color="grey", linestyle=":"))
        labels.append("stage two begins (after an early stop)")
        axes[0].legend(handles, labels, fontsize=7, title="vs the training level's labels",
                       title_fontsize=7)
    fig.suptitle("Training curves of the whole-half models (validation split of the training set)")
    plots._save(fig, path)
