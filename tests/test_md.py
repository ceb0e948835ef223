"""A fitted qSNAP model written as a LAMMPS potential reproduces itself; MD speed is measured."""

import numpy as np
import pytest

from mlipcost.descriptors.snap import SnapCalculator, SnapSettings
from mlipcost.models.md import md_speed, pair_snap_energy_forces, write_potential
from mlipcost.structures.configurations import generate_crystals


def test_quadratic_potential_reproduces_model_in_lammps(tmp_path):
    settings = SnapSettings(twojmax=4)
    rng = np.random.default_rng(1)
    coefs = rng.normal(size=settings.n_columns) * 1e-3
    coefs[:14] = rng.normal(size=14) * 0.1
    coeff, param = write_potential(tmp_path, "m", "Be", settings, coefs)
    atoms = generate_crystals("Be", 3, 4, 8, seed=1).atoms(2)  # sheared cell
    with SnapCalculator(settings, "Be") as calc:
        rows = calc.compute(atoms)
    n = len(atoms)
    energy = n * rows.a[0] @ coefs
    forces = (rows.a[1:] @ coefs).reshape(-1, 3) @ rows.rotation.T
    e_lmp, f_lmp = pair_snap_energy_forces(atoms, coeff, param, "Be")
    assert e_lmp / n == pytest.approx(energy / n, abs=1e-8)
    np.testing.assert_allclose(f_lmp, forces, atol=1e-8)


def test_md_speed_reports_atom_timesteps(tmp_path):
    settings = SnapSettings(twojmax=2)
    coeff, param = write_potential(tmp_path, "m", "Be", settings, np.zeros(settings.n_columns))
    result = md_speed(coeff, param, "Be", n_atoms_min=200, steps=10)
    # the smallest cubic repeat of Be's 4-atom orthorhombic hcp cell with >= 200 atoms: 4×4×4
    assert result["n_atoms"] == 256
    assert (result["steps"], result["md_mode"]) == (10, "nve")
    assert result["atom_timesteps_per_s"] == pytest.approx(256 * 10 / result["seconds"], rel=1e-12)
