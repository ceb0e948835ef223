import numpy as np
from ase.build import bulk

from mlipcost.dft.backend import result_keys
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
    assert set(result) == set(result_keys())
    text = (tmp_path / "gpaw_attempt1.txt").read_text()
    assert "150" in text and "methfessel-paxton" in text.lower()


def test_unconverged_scf_is_retried_then_recorded(tmp_path):
    from mlipcost.dft.chunks import label_chunk
    from mlipcost.structures.configurations import Structures

    atoms = bulk("Be", "hcp", a=2.29, c=3.58)
    structures = Structures.from_atoms([atoms])
    messages = []
    records = label_chunk(structures, 0, 1, Level("t", 150.0, None), GpawBackend(scf_maxiter=2),
                          tmp_path, "ceil", log=messages.append)
    assert str(records[0]["status"]) == "failed"
    assert "SCF not converged after 2 attempts" in str(records[0]["reason"])
    assert (tmp_path / "config0000000/gpaw_attempt2.txt").exists()  # the cautious mixer ran


def test_time_limit_is_a_recorded_failure(tmp_path):
    import time

    from mlipcost.dft.chunks import label_chunk
    from mlipcost.structures.configurations import Structures

    class Slow:
        def calculate(self, *args):
            time.sleep(5)

    structures = Structures.from_atoms([bulk("Be", "hcp", a=2.29, c=3.58)])
    start = time.perf_counter()
    records = label_chunk(structures, 0, 1, Level("t", 150.0, None), Slow(), tmp_path, "ceil",
                          timeout_s=0.3, log=lambda *a: None)
    assert time.perf_counter() - start < 3
    assert "time limit of 0.3 s exceeded" in str(records[0]["reason"])
