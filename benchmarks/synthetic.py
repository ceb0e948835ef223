"""Synthetic reference labels for the benchmarks: a Morse potential with beryllium-like scale.

ε = 0.4 eV, r0 = 2.22 Å (Be's nearest-neighbour distance), ρ0 = 4, cut smoothly between 3.8 and
4.7 Å, inside qSNAP's 4.81 Å: on rattled Be crystals of 40-60 atoms, forces of 1.2 eV/Å RMS (15 max)
and energies near -3 eV/atom, the scale of DFT data, so the fitted errors printed are meaningful.
Lower levels add per-level offsets and noise that shrink towards the reference (level 6).
"""

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from ase.calculators.morse import MorsePotential

OFFSETS_EV = np.array([0.3, 0.08, 0.02, 0.008, 0.001, 0.0])  # levels 1..6


def reference(atoms) -> tuple[float, np.ndarray]:
    """Energy (eV) and forces (eV/Å) of the reference potential."""
    atoms = atoms.copy()
    atoms.calc = MorsePotential(epsilon=0.4, r0=2.22, rho0=4.0, rcut1=1.7, rcut2=2.1)
    return atoms.get_potential_energy(), atoms.get_forces()


def reference_many(atoms_list, workers: int = 1) -> list[tuple[float, np.ndarray]]:
    if workers <= 1:
        return [reference(a) for a in atoms_list]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(reference, atoms_list, chunksize=64))


def level_labels(energy: float, forces: np.ndarray, rng: np.random.Generator):
    """(6,) energies and (N, 6, 3) forces of the six levels; level 6 is the reference."""
    n = len(forces)
    energies = energy + n * OFFSETS_EV * (1 + 0.2 * rng.normal(size=6))
    level_forces = forces[:, None, :] + OFFSETS_EV[None, :, None] * rng.normal(size=(n, 6, 3))
    return energies, level_forces
