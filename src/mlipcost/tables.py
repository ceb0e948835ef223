"""The paper's tables from this workflow's labels: the ladder (Table 1), DFT RMSD (Table 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dft.labels import Labels


def ladder_table(levels: list[dict], labels: list[Labels],
                 job_wall_s: dict[str, float] | None = None) -> pd.DataFrame:
    """Table 1: each level's settings and its measured DFT wall time per configuration.

    With ``job_wall_s`` (total wall time of each level's labelling jobs), the workflow's overhead
    per level: (job wall time − Σ DFT wall times) / job wall time.
    """
    rows = []
    base = None
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
        if job_wall_s is not None:
            job = job_wall_s[lab.level]
            rows[-1]["labelling_jobs_wall_time_s"] = job
            rows[-1]["workflow_overhead_fraction"] = (
                (job - lab.wall_time_s.sum()) / job if np.isfinite(job) and job > 0 else np.nan)
    return pd.DataFrame(rows)


def dft_rmsd_table(labels: list[Labels], reference: str, bulk_index: int | None) -> pd.DataFrame:
    """Table 3: RMSD of each level's labels against the reference level.

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
        de = (lab.energy_per_atom - ref.energy_per_atom)[both]
        atom_ok = np.repeat(both, lab.n_atoms)
        df = (lab.forces - ref.forces)[atom_ok]
        bulk = np.nan
        if bulk_index is not None and both[bulk_index]:
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


def trained_level_tables(summary: pd.DataFrame, high: float, low: float):
    """Tables 4 and 5: models trained on each level with the whole training half, at a high and a
    low energy weight; errors on train, test against their own level, test against the reference.
    """
    full = summary[summary["size"] == summary["size"].max()]
    full = full.groupby(["twojmax", "energy_weight", "train_level"], as_index=False).median(
        numeric_only=True)
    energy_rows, force_rows = [], []
    for (twojmax, weight), grp in full[full["energy_weight"].isin([high, low])].groupby(
            ["twojmax", "energy_weight"]):
        for _, r in grp.sort_values("train_level").iterrows():
            key = {"twojmax": twojmax, "energy_weight": weight, "train_level": r["train_level"]}
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


def statistical_error_metrics(labels: list[Labels], reference: str, volumes: np.ndarray
                              ) -> tuple[pd.DataFrame, str | None]:
    """A-priori metrics of Bayerl et al. (Digital Discovery 2022) per level against the reference:
    energy RMSE and mean absolute deviation per atom (meV/atom), force RMSE (meV/Å), virial RMSE
    per atom (meV/atom, virial = −stress × volume), and the recommended level.

    Threshold criterion: going from the reference towards cheaper levels, the threshold level is
    the first whose mean absolute energy deviation exceeds half the largest one; the recommendation
    is the cheapest level before it (made before any fit).
    """
    ref = next(lab for lab in labels if lab.level == reference)
    rows = []
    for lab in labels:
        both = lab.ok & ref.ok
        de = (lab.energy_per_atom - ref.energy_per_atom)[both]
        df = (lab.forces - ref.forces)[np.repeat(both, lab.n_atoms)]
        dv = ((lab.stress - ref.stress) * (volumes / lab.n_atoms)[:, None])[both]
        rows.append({"level": lab.level,
                     "energy_rmse_meV_per_atom": 1e3 * np.sqrt(np.mean(de ** 2)),
                     "energy_mean_abs_deviation_meV_per_atom": 1e3 * np.mean(np.abs(de)),
                     "force_rmse_meV_per_A": 1e3 * np.sqrt(np.mean(df ** 2)),
                     "virial_rmse_meV_per_atom": 1e3 * np.sqrt(np.nanmean(dv ** 2))})
    table = pd.DataFrame(rows)
    mad = table["energy_mean_abs_deviation_meV_per_atom"].to_numpy()
    half = 0.5 * mad.max()
    recommended, threshold = None, None
    for i in range(len(table) - 1, -1, -1):   # from the reference towards level 1
        if mad[i] > half:
            threshold = table["level"].iloc[i]
            recommended = table["level"].iloc[i + 1] if i + 1 < len(table) else None
            break
    table["threshold_level"] = table["level"] == threshold
    table["recommended_level"] = table["level"] == recommended
    return table, recommended
