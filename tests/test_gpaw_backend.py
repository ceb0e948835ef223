import numpy as np
import pytest
from ase.build import bulk

from mlipcost.dft.gpaw_backend import GpawBackend
from mlipcost.dft.ladder import Level, kmesh


def test_gpaw_single_point_has_energy_forces_stress_and_cost(tmp_path):
    atoms = bulk("Be", "hcp", a=2.29, c=3.58)
    atoms.positions[1] += [0.05, 0.0, 0.02]
    level = Level("t", 150.0, 1.2)
    mesh = kmesh(atoms.cell.array, level.kspacing_per_A)
    result = GpawBackend().calculate(atoms, level, mesh, tmp_path)
    n = len(atoms)
    assert -12 < result["energy_eV"] / n < -1  # Be, GPAW PAW reference energies
    assert result["forces_eV_per_A"].shape == (n, 3)
    # Newton's third law holds for the forces of a periodic crystal
    np.testing.assert_allclose(result["forces_eV_per_A"].sum(0), 0, atol=1e-3)
    assert np.abs(result["forces_eV_per_A"]).max() > 1e-3
    assert result["stress_eV_per_A3"].shape == (6,)
    assert result["wall_time_s"] > 0 and result["scf_iterations"] > 0
    assert result["setups"].startswith("Be:")
    text = (tmp_path / "gpaw_attempt1.txt").read_text()
    assert "150" in text and "methfessel-paxton" in text.lower()
