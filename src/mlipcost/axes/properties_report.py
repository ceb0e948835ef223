"""Tables of material properties by level, for DFT and for the models trained on each level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.pareto import non_dominated

# absolute energies depend on the pseudopotential and carry no property; the rest are compared
NOT_COMPARED = ("_energy_eV_per_atom",)


def property_columns(table: pd.DataFrame) -> list[str]:
    """The property columns of a table (names end in their unit)."""
    skip = {"level", "source", "twojmax", "train_level", "energy_weight", "train_size"}
    return [c for c in table.columns if c not in skip and not c.startswith("property_cells_")
            and not c.endswith(NOT_COMPARED) and pd.api.types.is_numeric_dtype(table[c])]


def property_table(dft: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, level): DFT at the level, or the model of a 2Jmax trained on it."""
    dft = dft.assign(source="DFT", level=dft["level"].astype(str))
    models = models.assign(source=[f"model 2Jmax {j}" for j in models["twojmax"]],
                           level=models["train_level"].astype(str))
    columns = property_columns(dft)
    keep = ["source", "level", *columns]
    return pd.concat([dft[keep + [c for c in dft if c.startswith("property_cells_")]],
                      models[keep]], ignore_index=True)


def property_errors(table: pd.DataFrame, reference_level: str) -> pd.DataFrame:
    """Long table: each property of each (source, level) against DFT at the reference level
    (error and relative error, %) and against the same source at the reference level (how far
    the source itself is from converged, Bayerl et al.'s measure)."""
    columns = property_columns(table)
    dft_ref = table[(table["source"] == "DFT") & (table["level"] == reference_level)]
    if dft_ref.empty:
        raise ValueError(f"no DFT properties at the reference level {reference_level}")
    rows = []
    for _, row in table.iterrows():
        own = table[(table["source"] == row["source"]) & (table["level"] == reference_level)]
        for prop in columns:
            ref = float(dft_ref[prop].iloc[0])
            rows.append({"source": row["source"], "level": row["level"], "property": prop,
                         "value": row[prop], "dft_reference_value": ref,
                         "error_vs_dft_reference": row[prop] - ref,
                         "relative_error_percent": 100 * (row[prop] - ref) / abs(ref)
                         if ref else np.nan,
                         "error_vs_own_reference": row[prop] - float(own[prop].iloc[0])
                         if len(own) else np.nan})
    return pd.DataFrame(rows)


def model_property_front(errors: pd.DataFrame, whole_half: pd.DataFrame, md: dict,
                         energy_weight: float) -> pd.DataFrame:
    """The models as points of (DFT cost of the whole training half at their level, median
    |relative property error| against DFT at the reference level, MD cost), ``on_front`` where
    none is at least as good on all three and better on one. The median, because a property
    near zero at the reference (C13, a phase energy) makes any relative error of it large."""
    rows = []
    models = errors[errors["source"] != "DFT"]
    for (source, level), grp in models.groupby(["source", "level"]):
        twojmax = int(source.split()[-1])
        cost = whole_half[(whole_half["twojmax"] == twojmax)
                          & (whole_half["train_level"] == level)
                          & np.isclose(whole_half["energy_weight"], energy_weight)]["dft_cost_s"]
        speed = md[twojmax]["atom_timesteps_per_s"] if twojmax in md else np.nan
        rows.append({"twojmax": twojmax, "train_level": level, "energy_weight": energy_weight,
                     "dft_cost_s": float(cost.iloc[0]) if len(cost) else np.nan,
                     "median_abs_property_error_percent":
                         float(grp["relative_error_percent"].abs().median()),
                     "max_abs_property_error_percent":
                         float(grp["relative_error_percent"].abs().max()),
                     "md_cost_s_per_atom_timestep": 1.0 / speed})
    out = pd.DataFrame(rows)
    objectives = ["dft_cost_s", "median_abs_property_error_percent", "md_cost_s_per_atom_timestep"]
    finite = out[objectives].notna().all(axis=1)
    out["on_front"] = False
    out.loc[finite, "on_front"] = non_dominated(out.loc[finite, objectives].to_numpy(),
                                                strict=False)
    return out.sort_values(["dft_cost_s", "twojmax"]).reset_index(drop=True)
