"""Weighted least-squares qSNAP fits over levels, samplers, sizes and energy weights.

Conventions (FitSNAP's): energy rows and targets per atom; weights multiply rows, so the loss is
Σ (w · residual)²; force weight 1; errors are RMSE of energy per atom and of force components.

The engine does each piece of work once. The descriptor rows are shared by every training level,
so all levels are fitted together as multiple right-hand sides. For one sampled ordering, nested
training sizes extend a streamed R factor of [A | Y] (energy rows and force rows kept apart, so that
every energy weight is a small (2K × K) solve). Errors on the subsample, the training half and the
test half come from the R factors of those sets, never from re-predicting their rows; the first
ordering, grown to the whole training half, is the training half's R factor, and every later
ordering grows from the training rows whitened once by it (``WhitenedRows``: a Gram matrix, half the
flops of a fold). Force rows are read from the descriptor file block by block, so memory does not
grow with the data.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
from scipy.linalg.blas import dtrmm

from ..descriptors.snap import ROW_ENERGY, ROW_FORCE, DescriptorFile
from ..dft.labels import Labels
from .linalg import (StreamingR, WhitenedGram, fold_rows, residual_norms2, thin_leverage,
                     triangular_lstsq, weighted_lstsq_path, whiten_t, whitening_ok)

LSTSQ_COND = 1e-13  # the paper's and FitSNAP's SVD cut-off


# force rows up to this size are read once and kept: the sweep reads every configuration once
# per ordering, in random order, and each read of an HDF5 chunk (4096 rows) decompresses it whole
FORCE_ROWS_IN_MEMORY_BYTES = 1 << 30


class ForceRows:
    """Force rows of A for each FitData configuration, read from the descriptor file on demand
    (all at the first read, and kept, when they take at most ``in_memory_bytes``)."""

    def __init__(self, desc: DescriptorFile, file_index: np.ndarray,
                 in_memory_bytes: int = FORCE_ROWS_IN_MEMORY_BYTES):
        self.desc = desc
        self.file_index = np.asarray(file_index, dtype=int)
        offsets = desc.row_offsets
        is_force = (desc.row_type == ROW_FORCE).astype(np.int64)
        self.n_force = np.add.reduceat(is_force, offsets[:-1])[self.file_index]
        self._keep = int(self.n_force.sum()) * desc.energy_rows.shape[1] * 8 <= in_memory_bytes
        self._kept: list[np.ndarray] | None = None
        if np.any(desc.row_type[offsets[:-1][self.file_index]] != ROW_ENERGY):
            raise ValueError(f"{desc.path}: a configuration's rows do not start with its energy "
                             "row; rerun the descriptors rule")

    def __len__(self) -> int:
        return len(self.file_index)

    def __getitem__(self, c: int) -> np.ndarray:
        return self.take([c])[0]

    def take(self, configs) -> list[np.ndarray]:
        """The force rows of each configuration in ``configs`` (read from the file as needed)."""
        configs = np.asarray(configs, dtype=int)
        if self._keep:
            if self._kept is None:
                every = np.arange(len(self.file_index))
                self._kept = self._read(every)
            return [self._kept[c] for c in configs]
        return self._read(configs)

    def _read(self, configs: np.ndarray) -> list[np.ndarray]:
        rows = self.desc.read(self.file_index[configs])
        return [np.ascontiguousarray(r[1:1 + n]) for r, n in zip(rows, self.n_force[configs])]


@dataclass
class FitData:
    """Per-configuration rows and multi-level targets, in LAMMPS's frame."""

    energy_a: np.ndarray           # (n, K) energy rows (per atom)
    energy_y: np.ndarray           # (n, L) energy per atom, eV, one column per level
    force_a: Sequence[np.ndarray]  # n × (3N_i, K): a list, or ForceRows reading the file
    force_y: list[np.ndarray]      # n × (3N_i, L) eV/Å
    levels: list[str]
    config_index: np.ndarray       # (n,) index into the structures

    @property
    def n_features(self) -> int:
        """Descriptor columns of the fit."""
        return self.energy_a.shape[1]

    def __len__(self) -> int:
        return len(self.energy_a)

    def force_rows(self, configs) -> list[np.ndarray]:
        """Force rows of configuration ``c``."""
        if isinstance(self.force_a, ForceRows):
            return self.force_a.take(configs)
        return [self.force_a[c] for c in configs]

    def force_blocks(self, configs, block_rows: int = 16384
                     ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(configuration, A, Y) force rows of each of ``configs`` in ascending order (file
        order), read about ``block_rows`` rows at a time."""
        configs = np.sort(np.asarray(configs, dtype=int))
        start = 0
        while start < len(configs):
            stop, rows = start, 0
            while stop < len(configs) and (rows == 0 or
                                           rows + len(self.force_y[configs[stop]]) <= block_rows):
                rows += len(self.force_y[configs[stop]])
                stop += 1
            part = configs[start:stop]
            for c, a in zip(part, self.force_rows(part)):
                yield c, a, self.force_y[c]
            start = stop


def build_fit_data(desc: DescriptorFile, labels: list[Labels], use: np.ndarray) -> FitData:
    """Targets minus the reference-potential part, forces rotated into the descriptor frame."""
    idx = np.flatnonzero(use)
    energy_y, force_y = [], []
    for i in idx:
        rows = desc.rows(i)
        rtype = desc.row_type[rows]
        ref = desc.reference[rows]
        e_ref, f_ref = ref[rtype == ROW_ENERGY][0], ref[rtype == ROW_FORCE]
        n_atoms = len(f_ref) // 3
        energy_y.append([lab.energy[i] / n_atoms - e_ref for lab in labels])
        rot = desc.rotation[i]
        force_y.append(np.stack([(lab.config_forces(i) @ rot).ravel() - f_ref
                                 for lab in labels], axis=1))
    return FitData(desc.energy_rows[idx], np.array(energy_y).reshape(len(idx), len(labels)),
                   ForceRows(desc, idx), force_y, [lab.level for lab in labels], idx)


def augmented_r(data: FitData, configs: np.ndarray) -> tuple[StreamingR, StreamingR, int, int]:
    """R factors of [A | Y] for the energy rows and the force rows of ``configs``."""
    k, n_lev = data.n_features, len(data.levels)
    energy, force = StreamingR(k + n_lev), StreamingR(k + n_lev)
    energy.add(data.energy_a[configs], data.energy_y[configs])
    for _, a, y in data.force_blocks(configs):
        force.add(a, y)
    return energy, force, len(configs), force.n_rows


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
        """Error statistics of ``configs``, their R factors computed here."""
        e, f, _, _ = augmented_r(data, configs)
        return cls.from_r(data, configs, e, f)

    @classmethod
    def from_r(cls, data: FitData, configs: np.ndarray, energy: StreamingR,
               force: StreamingR) -> "SetStats":
        """Error statistics of ``configs`` from R factors already accumulated over exactly them."""
        return cls(energy.r, force.r, len(configs), force.n_rows,
                   data.energy_a[configs].sum(0), data.energy_y[configs].sum(0))

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
    """Coefficients (K × L) minimising Σ(w_E r_E)² + Σ(w_F r_F)² for every target column:
    ``lstsq(cond=1e-13)`` of the weighted rows, from the R factor of [w_F R_F; w_E R_E]."""
    r = fold_rows(force_weight * force_r, energy_weight * energy_r, trapezoidal=True)
    return triangular_lstsq(r, n_features, LSTSQ_COND)


def solve_weights(energy_r: np.ndarray, force_r: np.ndarray, n_features: int,
                  energy_weights, force_weight: float = 1.0, shared: bool = True) -> np.ndarray:
    """``solve`` at every energy weight (K × weights·L, weight-major), from one factorization
    where that is exact (``linalg.weighted_lstsq_path``); ``shared=False``, or a weight it leaves,
    is solved on its own."""
    weights = list(energy_weights)
    n_targets = force_r.shape[1] - n_features
    if shared:
        coefs, solved = weighted_lstsq_path(energy_r, force_r, n_features, weights,
                                            force_weight, LSTSQ_COND)
    else:
        coefs = np.zeros((n_features, len(weights) * n_targets))
        solved = np.zeros(len(weights), dtype=bool)
    for i in np.flatnonzero(~solved):
        coefs[:, i * n_targets:(i + 1) * n_targets] = solve(
            energy_r, force_r, n_features, weights[i], force_weight)
    return coefs


def leverage_scores(data: FitData, train: np.ndarray, energy_weight: float) -> pd.DataFrame:
    """Regular (energy row) and block (all 1 + 3N rows) leverage of the weighted training matrix."""
    configs = np.sort(train)  # force_blocks' order

    def blocks():
        for c, force, _ in data.force_blocks(configs):
            yield np.vstack([energy_weight * data.energy_a[c][None, :], force])
    per_row, rank = thin_leverage(blocks)
    return pd.DataFrame({
        "config_index": data.config_index[configs],
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


def error_rows(meta: dict, errs: dict[str, dict], energy_weights: list[float], levels: list[str],
               ref: int, twojmax: int, force_weight: float) -> list[dict]:
    """Table rows of one fit (one ordering and size, or the whole training half): one per
    (energy weight, training level). ``errs[set]`` are SetStats.errors of the coefficient columns,
    L per energy weight; ``meta`` holds sampler, size, repeat and the per-level cost."""
    rows = []
    for wi, weight in enumerate(energy_weights):
        for li, level in enumerate(levels):
            row = {"twojmax": twojmax, "train_level": level, "sampler": meta["sampler"],
                   "size": meta["size"], "energy_weight": weight,
                   "force_weight": force_weight, "repeat": meta["repeat"],
                   "dft_cost_s": float(meta["cost"][li])}
            c = wi * len(levels) + li
            for name, e in errs.items():
                for target, col in (("train_level", li), ("reference", ref)):
                    row[f"{name}_energy_rmse_meV_per_atom_vs_{target}"] = 1e3 * e["energy"][c, col]
                    row[f"{name}_energy_rmse_shifted_meV_per_atom_vs_{target}"] = \
                        1e3 * e["energy_shifted"][c, col]
                    row[f"{name}_force_rmse_meV_per_A_vs_{target}"] = 1e3 * e["force"][c, col]
            rows.append(row)
    return rows


WHOLE_HALF = "whole_half"  # the sampler name of fits on the whole training half


def whole_half_fits(data: FitData, train: np.ndarray, test: np.ndarray,
                    energy_weights: list[float], reference_level: str, cost_s: np.ndarray,
                    twojmax: int, force_weight: float = 1.0
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """Models trained on the whole training half at each energy weight and training level (the
    paper's Tables 4 and 5 and its 2D front, Sec. 3.2-3.3): one row per (weight, level), and
    the coefficients (K × weights·levels, weight-major)."""
    k, levels = data.n_features, data.levels
    ref = levels.index(reference_level)
    energy, force, _, _ = augmented_r(data, train)
    coefs = solve_weights(energy.r, force.r, k, energy_weights, force_weight)
    errs = {"train": SetStats.from_r(data, train, energy, force).errors(coefs, k),
            "test": SetStats.of(data, test).errors(coefs, k)}
    meta = {"sampler": WHOLE_HALF, "size": len(train), "repeat": 0, "cost": cost_s[train].sum(0)}
    rows = error_rows(meta, errs, list(energy_weights), levels, ref, twojmax, force_weight)
    return pd.DataFrame(rows), coefs


def residual_correlation(data: FitData, test: np.ndarray, coefs: np.ndarray,
                         energy_weights: list[float], reference_level: str
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How far a model's errors follow the DFT error of its training level (the paper's SI,
    Figs. S4-S7): on the test half, model − reference against training level − reference.

    Returns the per-configuration energy residuals (meV/atom) of every (weight, level) model and
    one row per model with Pearson's r of the energies and of the force components (the
    force sums are streamed, so no force array is held).
    """
    levels = data.levels
    ref = levels.index(reference_level)
    n_lev = len(levels)
    columns = [(w, li) for w in energy_weights for li in range(n_lev)]
    per_config = []
    predicted = data.energy_a[test] @ coefs
    for c, (weight, li) in enumerate(columns):
        per_config.append(pd.DataFrame({
            "config_index": data.config_index[test], "energy_weight": weight,
            "train_level": levels[li],
            "dft_error_meV_per_atom": 1e3 * (data.energy_y[test, li] - data.energy_y[test, ref]),
            "model_error_meV_per_atom": 1e3 * (predicted[:, c] - data.energy_y[test, ref]),
        }))
    sums = np.zeros((len(columns), 5))  # Σx, Σy, Σx², Σy², Σxy of force components
    n_force = 0
    for _, a, y in data.force_blocks(test):
        model = a @ coefs
        for c, (_, li) in enumerate(columns):
            x, m = y[:, li] - y[:, ref], model[:, c] - y[:, ref]
            sums[c] += (x.sum(), m.sum(), x @ x, m @ m, x @ m)
        n_force += len(y)
    energies = pd.concat(per_config, ignore_index=True)
    rows = []
    for c, (weight, li) in enumerate(columns):
        e = energies[(energies["energy_weight"] == weight)
                     & (energies["train_level"] == levels[li])]
        sx, sy, sxx, syy, sxy = sums[c]
        var_x, var_y = sxx - sx * sx / n_force, syy - sy * sy / n_force
        force_r = ((sxy - sx * sy / n_force) / np.sqrt(var_x * var_y)
                   if var_x > 0 and var_y > 0 else np.nan)
        energy_r = (np.corrcoef(e["dft_error_meV_per_atom"], e["model_error_meV_per_atom"])[0, 1]
                    if li != ref and len(e) > 2 else np.nan)
        rows.append({"energy_weight": weight, "train_level": levels[li], "n_test_configs": len(e),
                     "energy_pearson_r": energy_r, "force_pearson_r": force_r,
                     "dft_energy_rmsd_meV_per_atom":
                         float(np.sqrt(np.mean(e["dft_error_meV_per_atom"] ** 2))),
                     "model_energy_rmse_meV_per_atom":
                         float(np.sqrt(np.mean(e["model_error_meV_per_atom"] ** 2))),
                     "dft_force_rmsd_meV_per_A": 1e3 * np.sqrt(sxx / n_force),
                     "model_force_rmse_meV_per_A": 1e3 * np.sqrt(syy / n_force)})
    return energies, pd.DataFrame(rows)


class WhitenedRows:
    """The training half's force rows [A | Y], whitened by that half's R factor P
    (``linalg.WhitenedGram``): computed once per sweep job, so that each later ordering folds
    its rows with one syrk instead of a Cholesky update. Kept in memory up to ``memory_bytes``,
    else in a temporary file (under ``TMPDIR``)."""

    def __init__(self, data: FitData, train: np.ndarray, p: np.ndarray,
                 memory_bytes: int = FORCE_ROWS_IN_MEMORY_BYTES, block_rows: int = 4096):
        configs = np.sort(train)
        n_rows = np.array([len(data.force_y[c]) for c in configs], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(n_rows)])
        self.p = p
        self.block_rows = block_rows
        self.start = np.full(len(data), -1, dtype=np.int64)
        self.start[configs] = offsets[:-1]
        self.n_rows = np.zeros(len(data), dtype=np.int64)
        self.n_rows[configs] = n_rows
        # one column per row (column-major), so that whitening writes, and each fold reads, a
        # contiguous column range per configuration
        shape = (p.shape[1], int(offsets[-1]))
        self._folder = None
        if shape[0] * shape[1] * 8 <= memory_bytes:
            self.rows_t = np.empty(shape, order="F")
        else:
            self._folder = tempfile.TemporaryDirectory(prefix="mlipcost-whitened-")
            self.rows_t = np.lib.format.open_memmap(Path(self._folder.name) / "rows.npy",
                                                    mode="w+", dtype=float, shape=shape,
                                                    fortran_order=True)
        # whitened in fixed blocks of file order, so every job whitening this half gets the
        # same bits (a scattered sweep's tables equal the single job's exactly)
        lo = hi = 0
        for c, a, y in data.force_blocks(configs, block_rows):
            self.rows_t[:a.shape[1], hi:hi + len(a)] = a.T
            self.rows_t[a.shape[1]:, hi:hi + len(a)] = y.T
            hi += len(a)
            if hi - lo >= block_rows or c == configs[-1]:
                self.rows_t[:, lo:hi] = whiten_t(self.rows_t[:, lo:hi].T, p)
                lo = hi

    @classmethod
    def of(cls, data: FitData, train: np.ndarray, p: np.ndarray) -> "WhitenedRows | None":
        """The whitened rows, or None when P is too ill conditioned to whiten with."""
        return cls(data, train, p) if whitening_ok(p, LSTSQ_COND) else None

    def blocks_t(self, configs: np.ndarray) -> Iterator[np.ndarray]:
        """The whitened rows of ``configs`` (training configurations, in the given order),
        transposed (n × m), about ``block_rows`` rows at a time."""
        start = 0
        while start < len(configs):
            stop, rows = start, 0
            while stop < len(configs) and (rows == 0 or
                                           rows + self.n_rows[configs[stop]] <= self.block_rows):
                rows += self.n_rows[configs[stop]]
                stop += 1
            yield np.asfortranarray(np.hstack(
                [self.rows_t[:, self.start[c]:self.start[c] + self.n_rows[c]]
                 for c in configs[start:stop]]))
            start = stop


@dataclass
class FoldedR:
    """An R factor and the number of rows it holds (what ``StreamingR`` gives its readers)."""

    r: np.ndarray
    n_rows: int


def _growing_r(data: FitData, order: np.ndarray, sizes: list[int],
               whitened: WhitenedRows | None = None):
    """(size, energy R, force R) after each prefix of ``order`` of the given ascending sizes:
    one streamed R pair per ordering, each size adding only its new configurations.

    With ``whitened`` rows W = B·P⁻¹ the force rows B are never read: R is chol(WᵀW)·P once
    the Gram matrix's guard accepts it (``WhitenedGram``), and before that (the first, small
    sizes) R_W·P, R_W the Householder R of W."""
    width = data.n_features + len(data.levels)
    energy = StreamingR(width)
    if whitened is None:
        force = StreamingR(width)
        taken = 0
        for size in sizes:
            new = np.sort(order[taken:size])
            energy.add(data.energy_a[new], data.energy_y[new])
            for _, a, y in data.force_blocks(new):
                force.add(a, y)
            taken = size
            yield size, energy, force
        return
    gram, folded = WhitenedGram(whitened.p), StreamingR(width)
    taken = 0
    for size in sizes:
        new = np.sort(order[taken:size])
        energy.add(data.energy_a[new], data.energy_y[new])
        for block_t in whitened.blocks_t(new):
            gram.add(block_t)
            if folded is not None:
                folded.add(block_t.T)
        taken = size
        r = gram.r()
        if r is None:
            if folded is None:   # the guard accepted a smaller size (rounding): fold afresh
                folded = StreamingR(width)
                for block_t in whitened.blocks_t(np.sort(order[:size])):
                    folded.add(block_t.T)
            r = dtrmm(1.0, whitened.p, folded.r, side=1, lower=0)
        else:
            # the Gram matrix only gains rows, so its guard keeps accepting
            folded = None
        yield size, energy, FoldedR(r, gram.n_rows)


def sweep_halves(data: FitData, train: np.ndarray, test: np.ndarray, *, samplers: list[str],
                 sizes: list[int], seed: int, scores: dict[str, np.ndarray]
                 ) -> dict[str, SetStats]:
    """The training and test halves' statistics that every block of a sweep tests against.

    The whole sweep takes the training half's R from its first ordering, grown to the whole
    half; this grows that ordering the same way, reading R at the same sizes (which folds the
    buffered rows at the same places), so the errors of a block tested against it are the
    unscattered sweep's, bit for bit."""
    sizes = sorted({int(s) for s in sizes})
    rng = np.random.default_rng([seed, 0, 0])
    order = train[sampling_order(len(train), samplers[0], rng, scores.get(samplers[0]))]
    for size, energy, force in _growing_r(data, order, sorted(set(sizes) | {len(train)})):
        if size in sizes:
            _ = (energy.r, force.r)
    return {"train": SetStats.from_r(data, train, energy, force),
            "test": SetStats.of(data, test)}


def repeat_blocks(repeats: int, per_job: int | None) -> list[tuple[int, int]]:
    """The repeats [lo, hi) of each sweep job of one sampler: all in one, or ``per_job`` each."""
    per_job = repeats if not per_job else int(per_job)
    return [(lo, min(lo + per_job, repeats)) for lo in range(0, repeats, per_job)]


def fit_sweep(data: FitData, train: np.ndarray, test: np.ndarray, *, samplers: list[str],
              sizes: list[int], energy_weights: list[float], repeats: int, seed: int,
              scores: dict[str, np.ndarray], reference_level: str, cost_s: np.ndarray,
              twojmax: int, force_weight: float = 1.0, only_sampler: str | None = None,
              only_repeats: tuple[int, int] | None = None,
              repeats_at_sizes: dict[int, int] | None = None,
              shared_factorization: bool = True,
              halves: dict[str, SetStats] | None = None,
              whitened_growth: bool = True) -> pd.DataFrame:
    """One row per (training level, sampler, size, energy weight, repeat).

    ``train``/``test`` index the FitData configurations; ``scores[sampler]`` are per training
    configuration; ``cost_s`` is (n, L): the DFT cost of each configuration at each level.
    ``only_sampler`` and ``only_repeats`` ([lo, hi)) restrict the sweep to one block of it: each
    ordering is seeded by (seed, repeat, the sampler's place in ``samplers``), so the blocks'
    tables, concatenated sampler by sampler and block by block, are the whole sweep's.
    ``repeats_at_sizes`` ({size: n}) fits repeat r of a size only when r < n (fewer repeats
    at the largest sizes, as the paper's files have); an ordering stops growing at its largest
    fitted size.
    ``shared_factorization=False`` solves each energy weight on its own (the engine before
    ``solve_weights``; kept for the benchmark). ``halves``: the training and test halves'
    statistics from ``sweep_halves``, computed once for all blocks of a scattered sweep (without
    them every block computes its own).

    Every ordering after the sweep's first grows from rows whitened by the training half's R
    (``WhitenedRows``), when the sweep's orderings together fold more configurations than the
    whitening costs (the same choice in every block); ``whitened_growth=False`` folds every row
    (the engine before; kept for the benchmark).
    """
    repeats_at_sizes = {int(k): int(v) for k, v in (repeats_at_sizes or {}).items()}
    k, levels = data.n_features, data.levels
    ref = levels.index(reference_level)
    if max(sizes) > len(train):
        raise ValueError(f"training sizes {sorted(s for s in sizes if s > len(train))} exceed the "
                         f"{len(train)} training configurations")
    sizes = sorted({int(s) for s in sizes})
    rows, waiting = [], []
    first_sampler = samplers[0] if only_sampler is None else only_sampler
    first_repeat = 0 if only_repeats is None else only_repeats[0]
    if halves is not None:
        halves = dict(halves)
    elif (first_sampler, first_repeat) != (samplers[0], 0):
        halves = sweep_halves(data, train, test, samplers=samplers, sizes=sizes, seed=seed,
                              scores=scores)
    else:
        halves = {"test": SetStats.of(data, test)}

    def largest_size(repeat: int) -> int:
        return max([n for n in sizes if repeat < repeats_at_sizes.get(n, repeats)], default=0)

    # a property of the whole sweep, not of this block, so that every block decides alike
    later_growth = sum(largest_size(r) for r in range(repeats)) * len(samplers) - largest_size(0)
    whiten = whitened_growth and later_growth > len(train)
    whitened = None

    def record(meta: dict, coefs: np.ndarray, subsample: dict) -> None:
        errs = {"subsample": subsample,
                **{name: halves[name].errors(coefs, k) for name in ("train", "test")}}
        rows.extend(error_rows(meta, errs, energy_weights, levels, ref, twojmax, force_weight))

    for sampler in samplers if only_sampler is None else [only_sampler]:
        for repeat in range(*(only_repeats or (0, repeats))):
            rng = np.random.default_rng([seed, repeat, samplers.index(sampler)])
            order = train[sampling_order(len(train), sampler, rng, scores.get(sampler))]
            # an ordering grows only as far as its largest fitted size (fewer repeats at the
            # largest sizes), except the first, which grows on to the whole training half: its R
            # is that half's
            needed = largest_size(repeat)
            grow = ([n for n in sizes if n <= needed] if "train" in halves
                    else sorted(set(sizes) | {len(train)}))
            first = (sampler, repeat) == (samplers[0], 0)
            if whiten and not first and whitened is None:
                whitened = WhitenedRows.of(data, train, halves["train"].force_r) or False
            for size, energy, force in _growing_r(data, order, grow,
                                                  None if first else whitened or None):
                if size == len(train) and "train" not in halves:
                    halves["train"] = SetStats.from_r(data, train, energy, force)
                if size not in sizes or repeat >= repeats_at_sizes.get(size, repeats):
                    continue
                subset = order[:size]
                coefs = solve_weights(energy.r, force.r, k, energy_weights, force_weight,
                                      shared=shared_factorization)
                meta = {"sampler": sampler, "size": size, "repeat": repeat,
                        "cost": cost_s[subset].sum(0)}
                sub = SetStats.from_r(data, subset, energy, force)
                waiting.append((meta, coefs, sub.errors(coefs, k)))
            if "train" not in halves:
                halves["train"] = SetStats.of(data, train)
            for item in waiting:
                record(*item)
            waiting = []
    return pd.DataFrame(rows)
