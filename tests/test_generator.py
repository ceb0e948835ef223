
import numpy as np
from ase.geometry import get_distances

from mlipcost.structures.generator import (config_descriptors, generate_diverse, greedy_d_optimal,
                                           log_det_covariance, place_atoms, random_cell)
from mlipcost.structures.configurations import generate_crystals


def test_greedy_matches_brute_force_first_steps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    chosen = greedy_d_optimal(x, 2, regularization=1e-3)
    # step 1 picks the largest-norm row; step 2 the best pair containing it
    assert chosen[0] == int(np.argmax((x ** 2).sum(1)))
    def logdet(idx):
        m = 1e-3 * np.eye(3) + x[list(idx)].T @ x[list(idx)]
        return np.linalg.slogdet(m)[1]
    best_second = max((j for j in range(12) if j != chosen[0]), key=lambda j: logdet([chosen[0], j]))
    assert chosen[1] == best_second


def test_random_cells_respect_volume_and_min_distance():
    rng = np.random.default_rng(3)
    cell = random_cell(rng, 80.0)
    assert np.isclose(abs(np.linalg.det(cell)), 80.0) and np.linalg.det(cell) > 0
    positions = place_atoms(rng, cell, 8, 1.6)
    _, d = get_distances(positions, cell=cell, pbc=True)
    assert d[np.triu_indices(8, 1)].min() >= 1.6 - 1e-9


def test_generator_is_deterministic_and_more_diverse_than_crystals():
    a = generate_diverse("Be", 12, 4, 8, seed=2, volume_per_atom_A3=(6.0, 12.0), min_distance_A=1.6,
                         oversample=3, twojmax=4)
    b = generate_diverse("Be", 12, 4, 8, seed=2, volume_per_atom_A3=(6.0, 12.0), min_distance_A=1.6,
                         oversample=3, twojmax=4)
    assert np.array_equal(a.positions, b.positions)
    crystals = generate_crystals("Be", 12, 4, 8, seed=2)
    xa = config_descriptors([a.atoms(i) for i in range(12)], "Be", twojmax=4)
    xc = config_descriptors([crystals.atoms(i) for i in range(12)], "Be", twojmax=4)
    pooled = np.vstack([xa, xc])
    mu, sd = pooled.mean(0), pooled.std(0) + 1e-12
    assert log_det_covariance((xa - mu) / sd) > log_det_covariance((xc - mu) / sd)
