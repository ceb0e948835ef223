"""The cutoff radius as a cost knob (after Oerder & Hamaekers' flexible cutoffs): a
shorter cutoff makes each MD step cheaper and the model less accurate. The sweep and the MD
speed are repeated at each cutoff; the front over 2Jmax × cutoff has the MD cost as a fourth
objective beside DFT cost and the two test errors (the paper's cross-2Jmax front, Sec. 3.5,
with one more axis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.pareto import OBJECTIVES, front, nearest_weight, summarize

MD_COST = "md_cost_s_per_atom_timestep"


def cutoff_summary(sweeps: dict[float, pd.DataFrame], md: dict[tuple[int, float], dict], *,
                   radelem: float, front_samplers: list[str] | None = None) -> pd.DataFrame:
    """Sweep medians of every (rcutfac, 2Jmax) with its cutoff (Å) and MD cost, and
    ``on_front``: not dominated in (DFT cost, test energy and force errors, MD cost) over the
    settings of ``front_samplers`` (default every sampler)."""
    parts = []
    for rcutfac, sweep in sweeps.items():
        part = summarize(sweep)
        part.insert(1, "rcutfac", rcutfac)
        part.insert(2, "cutoff_A", 2.0 * rcutfac * radelem)
        speed = part["twojmax"].map(lambda j: md[(int(j), rcutfac)]["atom_timesteps_per_s"])
        part["md_atom_timesteps_per_s"] = speed
        part[MD_COST] = 1.0 / speed
        parts.append(part)
    summary = pd.concat(parts, ignore_index=True)
    pool = summary["sampler"].isin(front_samplers) if front_samplers else \
        pd.Series(True, index=summary.index)
    summary["in_front_pool"] = pool
    marked = front(summary[pool], [*OBJECTIVES, MD_COST], strict=False)
    summary["on_front"] = False
    summary.loc[marked.index, "on_front"] = marked["on_front"]
    return summary


def cutoff_models(summary: pd.DataFrame, md: dict[tuple[int, float], dict], *,
                  reference_level: str, energy_weight: float) -> pd.DataFrame:
    """One row per (2Jmax, cutoff): MD speed, and the accuracy of the reference-level model at
    the largest training size (median over repeats, the front's samplers, the energy weight
    swept nearest ``energy_weight``), and how many settings it puts on the 4-objective front."""
    rows = []
    pool = summary[summary["in_front_pool"]]
    for (twojmax, rcutfac), grp in pool.groupby(["twojmax", "rcutfac"]):
        weight = nearest_weight(grp["energy_weight"].unique(), energy_weight)
        ref = grp[(grp["train_level"] == str(reference_level)) & (grp["energy_weight"] == weight)]
        best = ref[ref["size"] == ref["size"].max()]
        record = md[(int(twojmax), float(rcutfac))]
        rows.append({
            "twojmax": int(twojmax), "rcutfac": rcutfac,
            "cutoff_A": float(grp["cutoff_A"].iloc[0]),
            "n_columns": record.get("n_columns"),
            "md_atom_timesteps_per_s": record["atom_timesteps_per_s"],
            "train_level": str(reference_level), "energy_weight": weight,
            "size": int(best["size"].iloc[0]) if len(best) else np.nan,
            "test_energy_rmse_meV_per_atom_vs_reference":
                float(best[OBJECTIVES[1]].min()) if len(best) else np.nan,
            "test_force_rmse_meV_per_A_vs_reference":
                float(best[OBJECTIVES[2]].min()) if len(best) else np.nan,
            "settings_on_front": int(grp["on_front"].sum()),
        })
    return pd.DataFrame(rows).sort_values(["twojmax", "cutoff_A"]).reset_index(drop=True)
