"""The paper's tables from this workflow's labels: the ladder (Table 1), DFT RMSD (Table 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..dft.labels import Labels
from ..io.storage import write_csv, write_text


def ladder_table(levels: list[dict], labels: list[Labels]) -> pd.DataFrame:
    """Table 1: each level's settings and its measured DFT wall time per configuration.

    For computed levels, the workflow's overhead: (the labelling jobs' wall time − the DFT wall
    time of the calculations they ran) / their wall time, as the jobs measured it themselves;
    NaN when the jobs ran no DFT (every label from the record store: an offline study).
    """
    rows = []
    base = cpu_base = None
    for entry, lab in zip(levels, labels):
        t = lab.wall_time_s[lab.ok]
        mean = float(t.mean()) if len(t) else np.nan
        base = mean if base is None else base
        rows.append({
            "level": str(entry["name"]),
            "cutoff_eV": entry.get("cutoff_eV", np.nan),
            "kspacing_per_A": ("Γ only" if entry.get("kspacing_per_A", 0) is None
                               else entry.get("kspacing_per_A", np.nan)),
            "n_ok": int(lab.ok.sum()),
            "n_failed": int((~lab.ok).sum()),
            "mean_wall_time_s_per_config": mean,
            "median_wall_time_s_per_config": float(np.median(t)) if len(t) else np.nan,
            "mean_time_ratio_to_level_1": mean / base if base else np.nan,
            "configured_seconds_per_config": entry.get("seconds_per_config", np.nan),
        })
        cpu = lab.cpu_time_s[lab.ok] if lab.cpu_time_s is not None else np.array([])
        cpu = cpu[np.isfinite(cpu)]
        if len(cpu):
            cpu_base = cpu.mean() if cpu_base is None else cpu_base
            rows[-1]["mean_cpu_time_s_per_config"] = float(cpu.mean())
            rows[-1]["cpu_time_measured_fraction"] = len(cpu) / max(int(lab.ok.sum()), 1)
            rows[-1]["mean_cpu_time_ratio_to_level_1"] = float(cpu.mean()) / cpu_base
        job = lab.jobs_wall_time_s
        if np.isfinite(job):
            rows[-1]["labelling_jobs_wall_time_s"] = job
            dft = lab.jobs_dft_wall_time_s
            rows[-1]["workflow_overhead_fraction"] = (
                (job - dft) / job if job > 0 and dft > 0 else np.nan)
    return pd.DataFrame(rows)


def dft_rmsd_table(labels: list[Labels], reference: str, bulk_index: int | None,
                   data: np.ndarray | None = None) -> pd.DataFrame:
    """Table 3 (the paper's Sec. 3.1): RMSD of each level's labels against the reference level,
    over the configurations ``data`` (default all).

    Energy per atom unshifted; bulk-shifted (each level's energies shifted by the difference of
    the ideal bulk energy per atom, configuration ``bulk_index``, between the two levels);
    mean-shifted (the mean difference removed); force components.
    """
    ref = next(lab for lab in labels if lab.level == reference)
    rows = []
    for lab in labels:
        if lab.level == reference:
            continue
        both = lab.ok & ref.ok
        if data is not None:
            both = both & data
        de = (lab.energy_per_atom - ref.energy_per_atom)[both]
        atom_ok = np.repeat(both, lab.n_atoms)
        df = (lab.forces - ref.forces)[atom_ok]
        bulk = np.nan
        if bulk_index is not None and lab.ok[bulk_index] and ref.ok[bulk_index]:
            shift = lab.energy_per_atom[bulk_index] - ref.energy_per_atom[bulk_index]
            bulk = 1e3 * np.sqrt(np.mean((de - shift) ** 2))
        rows.append({
            "level": lab.level,
            "n_configs": int(both.sum()),
            "energy_rmsd_meV_per_atom": 1e3 * np.sqrt(np.mean(de ** 2)),
            "energy_rmsd_bulk_shifted_meV_per_atom": bulk,
            "energy_rmsd_mean_shifted_meV_per_atom": 1e3 * np.std(de),
            "force_rmsd_meV_per_A": 1e3 * np.sqrt(np.mean(df ** 2)),
        })
    return pd.DataFrame(rows)


# The paper's Table 2 (MD speed of its qSNAP models, atoms·timestep/s), for comparison.
PAPER_MD_SPEED = {4: 4.0e5, 6: 1.0e5, 8: 4.0e4, 10: 2.0e4}


def model_complexity_table(md_results: list[dict]) -> pd.DataFrame:
    """Table 2: descriptor count and measured MD speed per 2Jmax, ratios next to the paper's."""
    rows = sorted(md_results, key=lambda r: r["twojmax"])
    base = rows[0]["atom_timesteps_per_s"]
    # the paper's ratios relative to the smallest 2Jmax it shares with this run
    shared = [r for r in rows if r["twojmax"] in PAPER_MD_SPEED]
    paper_base = PAPER_MD_SPEED[shared[0]["twojmax"]] if shared else None
    out = []
    for r in rows:
        paper = PAPER_MD_SPEED.get(r["twojmax"], np.nan)
        out.append({
            "twojmax": r["twojmax"],
            "bispectrum_components": r["n_bispectrum"],
            "qsnap_columns": r["n_columns"],
            "md_atom_timesteps_per_s": r["atom_timesteps_per_s"],
            "md_speed_ratio_to_smallest_2jmax": r["atom_timesteps_per_s"] / base,
            "md_speed_ratio_to_smallest_shared_2jmax": (
                r["atom_timesteps_per_s"] / shared[0]["atom_timesteps_per_s"]
                if shared and r["twojmax"] in PAPER_MD_SPEED else np.nan),
            "paper_md_atom_timesteps_per_s": paper,
            "paper_speed_ratio_to_smallest_shared_2jmax": paper / paper_base if paper_base else np.nan,
            "md_atoms": r["n_atoms"],
            "md_mode": r.get("md_mode", "nve"),
            "lammps_vs_model_max_energy_diff_eV_per_atom": r["max_energy_difference_eV_per_atom"],
        })
    return pd.DataFrame(out)


def trained_level_tables(whole_half: pd.DataFrame, weights: dict[str, float]):
    """Tables 4 and 5 (the paper's Sec. 3.2): models trained on the whole training half of each
    level at the energy-weighted and force-weighted settings (150 and 12.25 in the paper); errors
    on the training set, on the test set against their own level, and against the reference
    (energy also mean-shifted: the paper's "shifted potential")."""
    energy_rows, force_rows = [], []
    for name, weight in weights.items():
        sel = whole_half[np.isclose(whole_half["energy_weight"], weight)]
        if sel.empty:
            raise ValueError(f"no whole-half fit at energy weight {weight:g} ({name}); add it to "
                             "fit.whole_half_energy_weights")
        full = sel.groupby(["twojmax", "train_level"], as_index=False).median(numeric_only=True)
        full = full.assign(order=full["train_level"].astype(str).map(lambda s: (len(s), s)))
        for _, r in full.sort_values(["twojmax", "order"]).iterrows():
            key = {"twojmax": int(r["twojmax"]), "weighting": name, "energy_weight": weight,
                   "train_level": r["train_level"]}
            energy_rows.append({**key,
                "train_meV_per_atom": r["train_energy_rmse_meV_per_atom_vs_train_level"],
                "test_self_meV_per_atom": r["test_energy_rmse_meV_per_atom_vs_train_level"],
                "test_reference_meV_per_atom": r["test_energy_rmse_meV_per_atom_vs_reference"],
                "test_reference_shifted_meV_per_atom":
                    r["test_energy_rmse_shifted_meV_per_atom_vs_reference"]})
            force_rows.append({**key,
                "train_meV_per_A": r["train_force_rmse_meV_per_A_vs_train_level"],
                "test_self_meV_per_A": r["test_force_rmse_meV_per_A_vs_train_level"],
                "test_reference_meV_per_A": r["test_force_rmse_meV_per_A_vs_reference"]})
    return pd.DataFrame(energy_rows), pd.DataFrame(force_rows)


def structure_group(kind: str) -> str:
    """The structure type of a configuration for per-group metrics: surface, vacancy, the
    crystal (hcp, bcc, fcc), generated, or the file's group."""
    if "surface" in kind:
        return "surface"
    if "vacancy" in kind:
        return "vacancy"
    return kind.split("/")[0]


# Bayerl et al.'s statistical error metrics (SEMs): name, column, unit
SEMS = [("AEAD", "aead_meV_per_atom"), ("E-RMSE", "energy_rmse_meV_per_atom"),
        ("F-RMSE", "force_rmse_meV_per_A"), ("V-RMSE", "virial_rmse_meV_per_atom")]


def bayerl_threshold(values, levels: list[str]) -> tuple[str | None, str, float]:
    """Bayerl et al. (Digital Discovery 2022) eq. 1 on a ladder ordered cheapest first, the last
    level the reference (Δk_min): the threshold is the tightest level whose metric deviates from
    the reference's by at least ½·MAD, MAD the mean absolute deviation of the metric over the
    whole ladder; the recommended level is the next tighter one (the cheapest level before the
    deviation). Returns (threshold or None, recommended, ½·MAD). A priori only the DFT metric
    exists, so MAD_max is its own MAD (the paper takes the larger of DFT's and the model's)."""
    x = np.asarray(values, dtype=float)
    half_mad = 0.5 * float(np.mean(np.abs(x - x.mean())))
    for i in range(len(x) - 2, -1, -1):   # from the reference towards the cheapest level
        if abs(x[i] - x[-1]) >= half_mad and half_mad > 0:
            return levels[i], levels[i + 1], half_mad
    return None, levels[0], half_mad


def statistical_error_metrics(labels: list[Labels], reference: str, volumes: np.ndarray,
                              groups: list[str] | None = None, data: np.ndarray | None = None
                              ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Bayerl et al.'s a-priori metrics of each level against the reference, over all
    configurations ``data`` and per structure group: AEAD (mean signed energy-per-atom
    deviation), E-RMSE (meV/atom), F-RMSE (meV/Å, per component), V-RMSE (virial per atom,
    virial = −stress × volume, meV/atom).

    Returns the metrics (one row per group and level), the eq.-1 threshold and recommendation of
    every (group, metric), and the overall recommendation, Bayerl's conservative one: the
    tightest level that any metric of any group (the whole set included) recommends, with the
    metrics and groups that drive it.
    """
    ref = next(lab for lab in labels if lab.level == reference)
    order = [lab.level for lab in labels]
    ladder = order[: order.index(reference) + 1]   # levels tighter than the reference: excluded
    n = len(ref.ok)
    data = np.ones(n, bool) if data is None else data
    groups = ["all"] * n if groups is None else groups
    rows = []
    for group in ["all"] + sorted(set(groups) - {"all"}):
        members = data if group == "all" else data & (np.asarray(groups) == group)
        for lab in labels:
            if lab.level not in ladder:
                continue
            both = lab.ok & ref.ok & members
            if not both.any():
                continue
            de = (lab.energy_per_atom - ref.energy_per_atom)[both]
            df = (lab.forces - ref.forces)[np.repeat(both, lab.n_atoms)]
            dv = ((lab.stress - ref.stress) * (volumes / lab.n_atoms)[:, None])[both]
            rows.append({"group": group, "level": lab.level, "n_configs": int(both.sum()),
                         "aead_meV_per_atom": 1e3 * float(np.mean(de)),
                         "energy_rmse_meV_per_atom": 1e3 * np.sqrt(np.mean(de ** 2)),
                         "force_rmse_meV_per_A": 1e3 * np.sqrt(np.mean(df ** 2)),
                         "virial_rmse_meV_per_atom": 1e3 * np.sqrt(np.nanmean(dv ** 2))
                         if np.isfinite(dv).any() else np.nan})
    metrics = pd.DataFrame(rows)
    decisions = []
    for group, grp in metrics.groupby("group", sort=False):
        grp = grp.set_index("level").reindex(ladder)
        if grp.isna().all(axis=None):
            continue
        for name, col in SEMS:
            values = grp[col]
            if not np.isfinite(values).all():
                continue
            threshold, recommended, half_mad = bayerl_threshold(values.to_numpy(), ladder)
            decisions.append({"group": group, "metric": name, "half_mad": half_mad,
                              "threshold_level": threshold or "-",
                              "recommended_level": recommended})
    decisions = pd.DataFrame(decisions)
    # Bayerl's conservative choice: the tightest level that any metric of any group recommends
    # (a group's structures need it even where the whole set's average does not)
    tightest = max(decisions.itertuples(), key=lambda r: ladder.index(r.recommended_level))
    decisions["drives_recommendation"] = (decisions["recommended_level"]
                                          == tightest.recommended_level)
    driving = [f"{r.metric} ({r.group})" for r in decisions.itertuples()
               if r.drives_recommendation]
    return metrics, decisions, {"recommended_level": tightest.recommended_level,
                                "driven_by": driving}


def write_table(df: pd.DataFrame, stem: Path, floatfmt: str = ".4g") -> None:
    """CSV, Markdown, LaTeX and HTML (for the report) versions of one table."""
    write_csv(df, stem.with_suffix(".csv"))
    write_text(stem.with_suffix(".html"), df.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
    write_text(stem.with_suffix(".md"), df.to_markdown(index=False, floatfmt=floatfmt) + "\n")
    write_text(stem.with_suffix(".tex"), df.to_latex(index=False, float_format="%.4g"))


def check_sample(structures, n: int) -> np.ndarray:
    """``n`` configurations spread evenly over the set (the bulk reference left out)."""
    candidates = np.flatnonzero(~structures.is_bulk_reference)
    n = min(n, len(candidates))
    return candidates[np.unique(np.linspace(0, len(candidates) - 1, n).round().astype(int))]


def convergence_table(labels: list, check, sample: np.ndarray, reference: str) -> pd.DataFrame:
    """The reference level's own error against a tighter setting next to the RMSD of the next
    level below it to the reference, on ``sample`` (and that RMSD on the whole set)."""
    ref = next(lab for lab in labels if lab.level == reference)
    below = labels[[lab.level for lab in labels].index(reference) - 1]

    def rmsd(a, b, configs):
        configs = configs[a.ok[configs] & b.ok[configs]]
        if not len(configs):
            raise ValueError(
                f"dft.convergence_check: none of the sampled configurations is labelled at both "
                f"level {a.level} and level {b.level} (a pilot or production run labels only part "
                "of the set): set dft.convergence_check: null in that run's config")
        de = (a.energy_per_atom - b.energy_per_atom)[configs]
        atoms = np.concatenate([np.arange(a.offsets[i], a.offsets[i + 1]) for i in configs])
        df = (a.forces - b.forces)[atoms]
        return {"energy_meV_per_atom": 1e3 * np.sqrt(np.mean(de ** 2)),
                "energy_mean_shifted_meV_per_atom": 1e3 * np.std(de),
                "force_meV_per_A": 1e3 * np.sqrt(np.mean(df ** 2)), "n_configs": len(configs)}
    everything = np.flatnonzero(ref.ok & below.ok)
    top = rmsd(ref, check, sample)
    lower = rmsd(below, ref, sample)
    lower_all = rmsd(below, ref, everything)
    rows = []
    for metric in ("energy_meV_per_atom", "energy_mean_shifted_meV_per_atom", "force_meV_per_A"):
        rows.append({"metric": metric.replace("_meV", " (meV").replace("_per_", "/") + ")",
                     f"level_{reference}_vs_tighter": top[metric],
                     f"level_{below.level}_vs_level_{reference}": lower[metric],
                     f"level_{below.level}_vs_level_{reference}_whole_set": lower_all[metric],
                     "ratio": top[metric] / lower[metric] if lower[metric] else np.nan,
                     "converged_by_the_one_fifth_rule": bool(top[metric] <= 0.2 * lower[metric]),
                     "n_sample": top["n_configs"]})
    return pd.DataFrame(rows)
