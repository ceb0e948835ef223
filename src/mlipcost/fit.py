"""Weighted least-squares qSNAP fits over levels, samplers, sizes and energy weights.

Conventions (FitSNAP's): energy rows and targets per atom; weights multiply rows, so the loss is
Σ (w · residual)²; force weight 1; errors are RMSE of energy per atom and of force components.

The engine does each piece of work once. The descriptor rows are shared by every training level,
so all levels are fitted together as multiple right-hand sides. For one sampled ordering, nested
training sizes extend a streamed R factor of [A | Y] (energy rows and force rows kept apart, so that
every energy weight is a small (2K × K) solve). Errors on the subsample, the training half and the
test half come from the R factors of those sets, never from re-predicting their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from .descriptors import ROW_ENERGY, ROW_FORCE, DescriptorMatrix
from .dft.labels import Labels
from .linalg import StreamingR, residual_norms2, thin_leverage

LSTSQ_COND = 1e-13  # the paper's and FitSNAP's SVD cut-off


@dataclass
class FitData:
    """Per-configuration rows and multi-level targets, in LAMMPS's frame."""

    energy_a: np.ndarray           # (n, K) energy rows (per atom)
    energy_y: np.ndarray           # (n, L) energy per atom, eV, one column per level
    force_a: list[np.ndarray]      # n × (3N_i, K)
    force_y: list[np.ndarray]      # n × (3N_i, L) eV/Å
    levels: list[str]
    config_index: np.ndarray       # (n,) index into the structures

    @property
    def n_features(self) -> int:
        return self.energy_a.shape[1]

    def __len__(self) -> int:
        return len(self.energy_a)


def build_fit_data(desc: DescriptorMatrix, labels: list[Labels], use: np.ndarray) -> FitData:
    """Targets minus the reference-potential part, forces rotated into the descriptor frame."""
    idx = np.flatnonzero(use)
    energy_a, energy_y, force_a, force_y = [], [], [], []
    for i in idx:
        rows = desc.rows(i)
        a = desc.a[rows]
        rtype = desc.row_type[rows]
        ref = desc.reference[rows]
        e_rows, f_rows = rtype == ROW_ENERGY, rtype == ROW_FORCE
        n_atoms = int(f_rows.sum() // 3)
        energy_a.append(a[e_rows][0])
        energy_y.append([lab.energy[i] / n_atoms - ref[e_rows][0] for lab in labels])
        force_a.append(a[f_rows])
        rot = desc.rotation[i]
        force_y.append(np.stack([(lab.config_forces(i) @ rot).ravel() - ref[f_rows]
                                 for lab in labels], axis=1))
    return FitData(np.array(energy_a), np.array(energy_y), force_a, force_y,
                   [lab.level for lab in labels], idx)


def augmented_r(data: FitData, configs: np.ndarray) -> tuple[StreamingR, StreamingR, int, int]:
    """R factors of [A | Y] for the energy rows and the force rows of ``configs``."""
    k, n_lev = data.n_features, len(data.levels)
    energy, force = StreamingR(k + n_lev), StreamingR(k + n_lev)
    energy.add(np.hstack([data.energy_a[configs], data.energy_y[configs]]))
    for start in range(0, len(configs), 256):
        part = configs[start:start + 256]
        force.add(np.vstack([np.hstack([data.force_a[c], data.force_y[c]]) for c in part]))
    n_force_rows = int(sum(len(data.force_a[c]) for c in configs))
    return energy, force, len(configs), n_force_rows


@dataclass
class SetStats:
    """What error evaluation needs of one set of configurations."""

    energy_r: np.ndarray
    force_r: np.ndarray
    n_energy: int
    n_force: int
    energy_a_sum: np.ndarray   # Σ energy rows (K,)
    energy_y_sum: np.ndarray   # Σ energy targets (L,)

    @classmethod
    def of(cls, data: FitData, configs: np.ndarray) -> "SetStats":
        e, f, ne, nf = augmented_r(data, configs)
        return cls(e.r, f.r, ne, nf, data.energy_a[configs].sum(0), data.energy_y[configs].sum(0))

    def errors(self, coefs: np.ndarray, n_features: int) -> dict[str, np.ndarray]:
        """RMSE matrices (coefficient column × target level): energy eV/atom, force eV/Å."""
        e2 = residual_norms2(self.energy_r, n_features, coefs) / self.n_energy
        f2 = residual_norms2(self.force_r, n_features, coefs) / max(self.n_force, 1)
        mean = ((self.energy_a_sum @ coefs)[:, None] - self.energy_y_sum[None, :]) / self.n_energy
        return {"energy": np.sqrt(np.maximum(e2, 0.0)),
                "energy_shifted": np.sqrt(np.maximum(e2 - mean ** 2, 0.0)),
                "force": np.sqrt(np.maximum(f2, 0.0))}


def solve(energy_r: np.ndarray, force_r: np.ndarray, n_features: int,
          energy_weight: float, force_weight: float = 1.0) -> np.ndarray:
    """Coefficients (K × L) minimising Σ(w_E r_E)² + Σ(w_F r_F)² for every target column."""
    k = n_features
    m = np.vstack([energy_weight * energy_r[:, :k], force_weight * force_r[:, :k]])
    rhs = np.vstack([energy_weight * energy_r[:, k:], force_weight * force_r[:, k:]])
    coefs, *_ = scipy.linalg.lstsq(m, rhs, cond=LSTSQ_COND, check_finite=False)
    return coefs


def leverage_scores(data: FitData, train: np.ndarray, energy_weight: float) -> pd.DataFrame:
    """Regular (energy row) and block (all 1 + 3N rows) leverage of the weighted training matrix."""
    def blocks():
        for c in train:
            yield np.vstack([energy_weight * data.energy_a[c][None, :], data.force_a[c]])
    per_row, rank = thin_leverage(blocks)
    return pd.DataFrame({
        "config_index": data.config_index[train],
        "leverage": [h[0] for h in per_row],
        "block_leverage": [h.sum() for h in per_row],
    }).assign(rank=rank)


def sampling_order(n: int, sampler: str, rng: np.random.Generator,
                   scores: np.ndarray | None = None) -> np.ndarray:
    """An ordering of ``n`` training configurations; its prefixes are the nested subsets.

    ``random``: uniform. ``leverage`` / ``block_leverage``: successive sampling without
    replacement with probability ∝ score (Efraimidis–Spirakis keys u^(1/p), largest first);
    zero-score configurations come last in random order.
    """
    if sampler == "random":
        return rng.permutation(n)
    if scores is None:
        raise ValueError(f"sampler {sampler!r} needs scores")
    p = np.clip(np.asarray(scores, dtype=float), 0.0, None)
    u = rng.random(n)
    with np.errstate(divide="ignore"):
        keys = np.where(p > 0, np.log(u) / np.where(p > 0, p, 1.0), -np.inf)
    zero = np.flatnonzero(p <= 0)
    order = np.argsort(-keys[p > 0], kind="stable")
    positive = np.flatnonzero(p > 0)[order]
    return np.concatenate([positive, rng.permutation(zero)])


def fit_sweep(data: FitData, train: np.ndarray, test: np.ndarray, samplers: list[str],
              sizes: list[int], energy_weights: list[float], repeats: int, seed: int,
              scores: dict[str, np.ndarray], reference_level: str, cost_s: np.ndarray,
              twojmax: int, force_weight: float = 1.0) -> pd.DataFrame:
    """One row per (training level, sampler, size, energy weight, repeat).

    ``train``/``test`` index the FitData configurations; ``scores[sampler]`` are per training
    configuration; ``cost_s`` is (n, L): the DFT cost of each configuration at each level.
    """
    k = data.n_features
    levels = data.levels
    ref = levels.index(reference_level)
    halves = {"train": SetStats.of(data, train), "test": SetStats.of(data, test)}
    sizes = sorted({min(int(s), len(train)) for s in sizes})
    rows = []
    for sampler in samplers:
        for repeat in range(repeats):
            rng = np.random.default_rng([seed, repeat, samplers.index(sampler)])
            order = train[sampling_order(len(train), sampler, rng, scores.get(sampler))]
            energy, force = StreamingR(k + len(levels)), StreamingR(k + len(levels))
            taken = 0
            for size in sizes:
                new = order[taken:size]
                energy.add(np.hstack([data.energy_a[new], data.energy_y[new]]))
                force.add(np.vstack([np.hstack([data.force_a[c], data.force_y[c]]) for c in new]))
                taken = size
                subset = order[:size]
                sub = SetStats(energy.r, force.r, size, force.n_rows,
                               data.energy_a[subset].sum(0), data.energy_y[subset].sum(0))
                cost = cost_s[subset].sum(0)
                for weight in energy_weights:
                    coefs = solve(energy.r, force.r, k, weight, force_weight)
                    errs = {"subsample": sub.errors(coefs, k),
                            **{name: s.errors(coefs, k) for name, s in halves.items()}}
                    for li, level in enumerate(levels):
                        row = {"twojmax": twojmax, "train_level": level, "sampler": sampler,
                               "size": size, "energy_weight": weight, "force_weight": force_weight,
                               "repeat": repeat, "dft_cost_s": float(cost[li])}
                        for name, e in errs.items():
                            for target, col in (("train_level", li), ("reference", ref)):
                                row[f"{name}_energy_rmse_meV_per_atom_vs_{target}"] = 1e3 * e["energy"][li, col]
                                row[f"{name}_energy_rmse_shifted_meV_per_atom_vs_{target}"] = 1e3 * e["energy_shifted"][li, col]
                                row[f"{name}_force_rmse_meV_per_A_vs_{target}"] = 1e3 * e["force"][li, col]
                        rows.append(row)
    return pd.DataFrame(rows)
