"""Checks what a finished workflow left in its results folder (used by `make test`)."""

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd


def main(results: Path) -> None:
    levels = sorted(results.glob("labels/level*.h5"))
    assert levels, f"no label files in {results}/labels"
    for path in levels:
        with h5py.File(path) as h5:
            energy = h5["energy_eV"][()]
            assert np.isfinite(energy).all(), f"{path}: non-finite energies"
            assert (h5["wall_time_s"][()] > 0).all(), f"{path}: missing wall times"
    for path in results.glob("descriptors/2J*.h5"):
        with h5py.File(path) as h5:
            assert h5["A"].shape[1] == h5.attrs["n_columns"]
            assert h5["energy_rows"].shape == (len(h5["row_offsets"]) - 1, h5.attrs["n_columns"])
            np.testing.assert_array_equal(h5["energy_rows"][:3], h5["A"][h5["row_offsets"][:3]])
            if json.loads(h5.attrs["settings_json"]).get("stress_rows"):
                assert (h5["row_type"][()] == 2).sum() == 6 * (len(h5["row_offsets"]) - 1)
    sweep = pd.concat([pd.read_csv(p) for p in results.glob("sweep/2J*.csv")])
    needed = {"test_energy_rmse_meV_per_atom_vs_reference", "test_force_rmse_meV_per_A_vs_reference",
              "dft_cost_s", "sampler", "size", "energy_weight", "train_level"}
    assert needed <= set(sweep.columns), needed - set(sweep.columns)
    assert np.isfinite(sweep["test_force_rmse_meV_per_A_vs_reference"]).all()
    for name in ("pareto/front.csv", "pareto/front.md", "tables/table1_ladder.csv",
                 "tables/table1_ladder.md", "tables/table3_dft_rmsd.csv"):
        assert (results / name).stat().st_size > 0, f"missing {name}"
    assert (results.parent / "reports/test.html").stat().st_size > 0, "missing the report"
    whole = pd.concat([pd.read_csv(p) for p in results.glob("sweep/whole_half_2J*.csv")])
    assert {150.0, 12.25} <= set(whole["energy_weight"]) and len(set(whole["energy_weight"])) >= 17
    assert set(whole["sampler"]) == {"whole_half"}
    table4 = pd.read_csv(results / "tables/table4_energy_rmse.csv")
    assert set(table4["weighting"]) == {"energy_weighted", "force_weighted"}
    claims = pd.read_csv(results / "claims/claims.csv")
    assert len(claims[claims["evidence"] == "this workflow"]) == 8
    assert set(claims["verdict"]) <= {"holds", "does not hold", "not testable"}
    floor = pd.read_csv(results / "claims/dft_floor.csv")
    assert len(floor) == len(levels) * whole["twojmax"].nunique()
    reference = str(floor["train_level"].iloc[-1])   # each 2Jmax's levels end with it
    assert (floor.loc[floor["train_level"].astype(str) != reference,
                      "force_dft_rmsd_meV_per_A"] > 0).all()
    assert (results / "tables/table3c_bayerl_recommendation.csv").exists()
    table3 = pd.read_csv(results / "tables/table3_dft_rmsd.csv")
    assert np.isfinite(table3["energy_rmsd_bulk_shifted_meV_per_atom"]).all()
    pngs = list(results.glob("pareto/pareto_2J*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    mixed = pd.read_csv(results / "mixed_fidelity/points.csv")
    assert set(mixed["method"]) == {"delta", "joint_offset", "split_energy_high",
                                    "split_force_high"}
    assert (mixed["dft_cost_s"] > 0).all() and "beats_single_levels" in mixed
    assert (results / "mixed_fidelity/mixed_vs_single.md").stat().st_size > 0
    noise = pd.read_csv(results / "label_noise/curves.csv")
    assert {"energy", "force"} <= set(noise["noise"])
    zero = noise[(noise["noise"] == "energy") & (noise["sigma_energy_meV_per_atom"] == 0)]
    np.testing.assert_allclose(zero["test_energy_rmse_meV_per_atom_vs_reference"],
                               zero["expected_test_energy_rmse_meV_per_atom"], rtol=1e-6)
    assert len(pd.read_csv(results / "label_noise/levels_as_noise.csv")) == len(levels) - 1
    cutoff = pd.read_csv(results / "cutoff/models.csv")
    assert len(set(cutoff["cutoff_A"])) >= 2 and (cutoff["md_atom_timesteps_per_s"] > 0).all()
    assert pd.read_csv(results / "cutoff/summary.csv")["on_front"].any()
    props = pd.read_csv(results / "properties/properties.csv", dtype={"level": str})
    assert set(props[props["source"] == "DFT"]["level"]) == {p.stem.removeprefix("level")
                                                             for p in levels}
    assert (props["source"] != "DFT").any() and "hcp_C11_GPa" in props
    assert {"on_front", "median_abs_property_error_percent"} <= set(
        pd.read_csv(results / "properties/property_front.csv").columns)
    # the trained family: every row from a model-store entry, errors finite, in the front pool
    mace = pd.read_csv(results / "models/mace.csv", dtype={"train_level": str})
    store = results.parent / "model-store/mace"
    assert all((store / f"{key}.npz").exists() for key in mace["model_store_key"])
    assert np.isfinite(mace["test_energy_rmse_meV_per_atom_vs_reference"]).all()
    assert set(mace["sampler"]) == {"whole_half", "leverage"}
    assert (results / "models/front.md").stat().st_size > 0
    whole = pd.read_csv(results / "models/whole_half.csv")
    assert (whole["model"] == "mace").sum() == (mace["sampler"] == "whole_half").sum()
    assert json.loads((results / "md/mace.json").read_text())["atom_timesteps_per_s"] > 0
    assert not list(results.rglob(".*.tmp")), "temporary files left behind"
    print(f"workflow outputs OK: {len(levels)} levels, {len(sweep)} sweep rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
