"""Diversity of the 'generate' source against rattled crystal supercells of similar sizes.

For 200 generated configurations (greedy D-optimal from a 5x random-cell pool) and 200 rattled,
strained, defected hcp/bcc/fcc supercells of the same size range, prints: the log det of the
covariance of the per-configuration SNAP descriptors and the mean nearest-neighbour distance of
the per-atom descriptors (both standardised with the pooled statistics), their ratios
(generated / crystals), and the generation time.
Run: .venv/bin/python benchmarks/structure_diversity.py [n_configs]
"""

import sys
import time

import numpy as np
from scipy.spatial import cKDTree

from mlipcost.structures.generator import (config_descriptors, generate_diverse, log_det_covariance,
                                           per_atom_descriptors)
from mlipcost.structures.configurations import generate_crystals

N_MIN, N_MAX = 8, 16


def nn_spread(x: np.ndarray, rng, max_points: int = 3000) -> float:
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    distances, _ = cKDTree(x).query(x, k=2)
    return float(distances[:, 1].mean())


def main(n: int = 200) -> None:
    start = time.perf_counter()
    generated = generate_diverse("Be", n, N_MIN, N_MAX, seed=1, volume_per_atom_A3=(6.0, 12.0),
                                 min_distance_A=1.6)
    t_generated = time.perf_counter() - start
    start = time.perf_counter()
    crystals = generate_crystals("Be", n, N_MIN, N_MAX, seed=1)
    t_crystals = time.perf_counter() - start
    sets = {"generated": [generated.atoms(i) for i in range(n)],
            "crystals": [crystals.atoms(i) for i in range(n)]}
    per_config = {k: config_descriptors(v, "Be") for k, v in sets.items()}
    per_atom = {k: per_atom_descriptors(v, "Be") for k, v in sets.items()}
    pooled = np.vstack(list(per_config.values()))
    mu, sd = pooled.mean(0), pooled.std(0) + 1e-12
    pooled_atoms = np.vstack(list(per_atom.values()))
    mu_a, sd_a = pooled_atoms.mean(0), pooled_atoms.std(0) + 1e-12
    rng = np.random.default_rng(0)
    result = {}
    for name in sets:
        result[name] = (log_det_covariance((per_config[name] - mu) / sd),
                        nn_spread((per_atom[name] - mu_a) / sd_a, rng))
    print(f"{'set':10} {'configs':>7} {'mean_atoms':>10} {'logdet_cov':>10} {'nn_spread':>9}")
    for name, atoms in sets.items():
        print(f"{name:10} {len(atoms):>7} {np.mean([len(a) for a in atoms]):>10.1f} "
              f"{result[name][0]:>10.2f} {result[name][1]:>9.3f}")
    g, c = result["generated"], result["crystals"]
    print(f"logdet difference (generated - crystals): {g[0] - c[0]:.2f} "
          f"(covariance volume ratio e^{g[0] - c[0]:.1f})")
    print(f"nn spread ratio (generated / crystals): {g[1] / c[1]:.2f}")
    print(f"time: generated {t_generated:.1f} s (pool of {5 * n}), crystals {t_crystals:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
