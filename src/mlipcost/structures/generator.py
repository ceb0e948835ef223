"""Diverse configurations of one element: random cells, then greedy D-optimal selection.

Candidates are random periodic cells (n_min..n_max atoms, random shape and density) filled by
random sequential addition under a minimum distance. From an oversampled pool, configurations are
chosen one at a time to maximise log det(λI + Σ x xᵀ) of standardised SNAP descriptors (the
per-configuration mean bispectrum), the D-optimality criterion of the entropy-maximisation approach
(Karabin & Perez): each pick is the candidate least explained by those already chosen.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ..descriptors.snap import SnapCalculator, SnapSettings
from .configurations import Structures


def random_cell(rng: np.random.Generator, volume: float, max_aspect: float = 2.0) -> np.ndarray:
    """A random right-handed cell of the given volume, angles 60–120°, lengths within max_aspect."""
    while True:
        lengths = rng.uniform(1.0, max_aspect, size=3)
        alpha, beta, gamma = np.radians(rng.uniform(60, 120, size=3))
        cx = np.cos(beta)
        cy = (np.cos(alpha) - np.cos(beta) * np.cos(gamma)) / np.sin(gamma)
        cz2 = 1.0 - cx ** 2 - cy ** 2
        if cz2 <= 0.05:
            continue
        unit = np.array([[1, 0, 0], [np.cos(gamma), np.sin(gamma), 0], [cx, cy, np.sqrt(cz2)]])
        cell = unit * lengths[:, None]
        return cell * (volume / abs(np.linalg.det(cell))) ** (1 / 3)


def place_atoms(rng: np.random.Generator, cell: np.ndarray, n: int, min_distance: float,
                tries: int = 2000) -> np.ndarray | None:
    """Random sequential addition with periodic distances; None if the cell jams."""
    shifts = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).reshape(3, -1).T @ cell
    positions = np.empty((0, 3))
    for _ in range(n):
        for _ in range(tries):
            trial = rng.random(3) @ cell
            if len(positions) == 0:
                break
            d = positions[:, None, :] - trial + shifts[None]
            if np.min(np.linalg.norm(d, axis=2)) >= min_distance:
                break
        else:
            return None
        positions = np.vstack([positions, trial])
    return positions


def candidate_pool(element: str, n_candidates: int, n_atoms_min: int, n_atoms_max: int,
                   volume_per_atom_A3: tuple[float, float], min_distance_A: float,
                   rng: np.random.Generator) -> list[Atoms]:
    """``n_candidates`` random periodic cells of ``element`` (sizes, volumes per atom in Å³ and
    the smallest distance in Å as given): the pool the diverse set is chosen from.
    """
    pool = []
    while len(pool) < n_candidates:
        n = int(rng.integers(n_atoms_min, n_atoms_max + 1))
        volume = n * rng.uniform(*volume_per_atom_A3)
        cell = random_cell(rng, volume)
        positions = place_atoms(rng, cell, n, min_distance_A)
        if positions is not None:
            pool.append(Atoms(element * n, positions=positions, cell=cell, pbc=True))
    return pool


def _linear(twojmax: int, rcutfac: float) -> SnapSettings:
    # diversity is judged on the linear bispectrum, without the isolated atom's part
    return SnapSettings(twojmax=twojmax, rcutfac=rcutfac, quadraticflag=0, bzeroflag=1)


def config_descriptors(atoms_list: list[Atoms], element: str, twojmax: int = 6,
                       rcutfac: float = 4.812302818) -> np.ndarray:
    """Per-configuration mean linear bispectrum (the energy row of compute snap)."""
    with SnapCalculator(_linear(twojmax, rcutfac), element) as calc:
        return np.array([calc.compute(a).a[0] for a in atoms_list])


def per_atom_descriptors(atoms_list: list[Atoms], element: str, twojmax: int = 6,
                         rcutfac: float = 4.812302818) -> np.ndarray:
    """Per-atom linear bispectrum components (LAMMPS compute sna/atom), stacked over configurations."""
    with SnapCalculator(_linear(twojmax, rcutfac), element) as calc:
        return np.vstack([calc.per_atom(a) for a in atoms_list])


def greedy_d_optimal(x: np.ndarray, n_select: int, regularization: float = 1e-3,
                     first: int | None = None) -> list[int]:
    """Indices maximising log det(λI + Σ_{i∈S} x_i x_iᵀ), chosen greedily.

    Each step adds the row with the largest x M⁻¹ xᵀ (determinant lemma: the gain in log det is
    log(1 + x M⁻¹ xᵀ)) and updates M⁻¹ by Sherman–Morrison.
    """
    n, k = x.shape
    m_inv = np.eye(k) / regularization
    chosen: list[int] = []
    available = np.ones(n, dtype=bool)
    for step in range(min(n_select, n)):
        if step == 0 and first is not None:
            best = first
        else:
            scores = np.einsum("ij,jk,ik->i", x, m_inv, x)
            scores[~available] = -np.inf
            best = int(np.argmax(scores))
        v = m_inv @ x[best]
        m_inv -= np.outer(v, v) / (1.0 + x[best] @ v)
        chosen.append(best)
        available[best] = False
    return chosen


def log_det_covariance(x: np.ndarray, regularization: float = 1e-6) -> float:
    """log det of the (regularised) covariance of the rows of x."""
    cov = np.cov(x, rowvar=False) + regularization * np.eye(x.shape[1])
    sign, value = np.linalg.slogdet(cov)
    return float(value) if sign > 0 else -np.inf


def generate_diverse(element: str, n_configs: int, n_atoms_min: int, n_atoms_max: int,
                     seed: int, volume_per_atom_A3: tuple[float, float],
                     min_distance_A: float, oversample: int = 5, twojmax: int = 6,
                     rcutfac: float = 4.812302818) -> Structures:
    """``n_configs`` cells chosen from a random pool ``oversample`` times larger, greedily for the
    largest volume (D-optimality) of their 2Jmax-``twojmax`` SNAP descriptors.
    """
    rng = np.random.default_rng(seed)
    pool = candidate_pool(element, oversample * n_configs, n_atoms_min, n_atoms_max,
                          volume_per_atom_A3, min_distance_A, rng)
    x = config_descriptors(pool, element, twojmax, rcutfac)
    scale = x.std(0)
    scale[scale == 0] = 1.0
    z = (x - x.mean(0)) / scale
    chosen = greedy_d_optimal(z, n_configs)
    return Structures.from_atoms([pool[i] for i in chosen], ["generated"] * len(chosen))
