"""The cutoff axis: the study's cutoff is rcutfac's first; the front gains MD cost."""
import numpy as np
import pandas as pd

from mlipcost.axes.cutoff import cutoff_models, cutoff_summary
from mlipcost.descriptors.snap import SnapCalculator, cutoff_scales, descriptor_settings
from mlipcost.structures.configurations import generate_crystals


def test_the_first_rcutfac_is_the_studys_and_a_shorter_cutoff_sees_fewer_neighbours():
    section = {"rcutfac": [4.812302818, 3.5], "radelem": 0.5}
    assert cutoff_scales(section) == [4.812302818, 3.5]
    assert cutoff_scales({"rcutfac": 4.0}) == [4.0] and cutoff_scales({}) == [4.812302818]
    assert descriptor_settings(section, 4).rcutfac == 4.812302818
    atoms = generate_crystals("Be", 1, 8, 8, seed=2).atoms(0)
    rows = {}
    for rcutfac in section["rcutfac"]:
        settings = descriptor_settings({**section, "rcutfac": rcutfac}, 2)
        with SnapCalculator(settings, "Be") as calc:
            rows[rcutfac] = calc.compute(atoms).a
    # B_000 (first column) grows with the number of neighbours inside the cutoff
    assert rows[3.5][0, 0] < rows[4.812302818][0, 0]


def sweep(errors_e, errors_f, cost):
    return pd.DataFrame({"twojmax": 6, "train_level": "6", "sampler": "leverage", "size": 10,
                         "energy_weight": 150.0, "force_weight": 1.0, "repeat": 0,
                         "dft_cost_s": cost,
                         "test_energy_rmse_meV_per_atom_vs_reference": errors_e,
                         "test_force_rmse_meV_per_A_vs_reference": errors_f}, index=[0])


def test_a_cheaper_md_model_joins_the_front_even_when_less_accurate():
    sweeps = {4.8: sweep(5.0, 100.0, 60.0), 3.8: sweep(8.0, 150.0, 60.0)}
    md = {(6, 4.8): {"atom_timesteps_per_s": 1e4, "n_columns": 495},
          (6, 3.8): {"atom_timesteps_per_s": 3e4, "n_columns": 495}}
    summary = cutoff_summary(sweeps, md, radelem=0.5)
    assert summary["on_front"].all()
    assert sorted(summary["cutoff_A"]) == [3.8, 4.8]
    np.testing.assert_allclose(sorted(summary["md_cost_s_per_atom_timestep"]), [1 / 3e4, 1e-4])
    models = cutoff_models(summary, md, reference_level="6", energy_weight=150)
    assert models["test_energy_rmse_meV_per_atom_vs_reference"].tolist() == [8.0, 5.0]
    # as slow as the other and less accurate: off the front
    md[(6, 3.8)]["atom_timesteps_per_s"] = 1e4
    assert cutoff_summary(sweeps, md, radelem=0.5)["on_front"].tolist() == [True, False]
