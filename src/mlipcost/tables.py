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
