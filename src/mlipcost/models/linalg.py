"""Streamed QR (TSQR) helpers: the R factor of a tall matrix, built block by block.

If [A | Y] = Q R_aug, then for every coefficient vector b and target column m,
||A b - y_m|| = ||R_aug[:, :K] b - R_aug[:, K + m]||: an R factor of the augmented matrix is a
sufficient statistic for least-squares fits and their residual norms.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsyrk, dtrmm, dtrsm
from scipy.linalg.lapack import dpotrf, dtpqrt, dtrcon, dtrtri

# tpqrt's inner block size; 32 was the fastest for K ≈ 500 columns on OpenBLAS
TPQRT_NB = 32
# largest ||B R⁻¹||_F accepted by the Cholesky update (its backward error grows like ||W||²·eps)
MAX_UPDATE_NORM = 64.0
# largest condition number (LAPACK's 1-norm estimate) of a whitened Gram matrix's Cholesky factor
# accepted: forming the Gram matrix squares it, so R is then good to ~eps·1e6 in the whitening metric
MAX_WHITENED_COND = 1e3


@contextmanager
def blas_threads(threads: int):
    """Run the enclosed linear algebra with ``threads`` threads in the BLAS that SciPy's calls
    (the heavy work here) and one in the copy NumPy's PyPI wheel brings (in ``numpy.libs``),
    whose idle threads otherwise spin on the same cores: with both pools at 2 threads the sweep
    ran 1.8x slower on 2 cores (``benchmarks/fit_sweep.py``). Where both share one library
    (conda, MKL) it gets ``threads``. Restores the counts on exit."""
    from threadpoolctl import ThreadpoolController

    libraries = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    before = [lib.num_threads for lib in libraries]
    try:
        for lib in libraries:
            lib.set_num_threads(1 if "numpy" in Path(lib.filepath).parent.name
                                else max(int(threads), 1))
        yield
    finally:
        for lib, n in zip(libraries, before):
            lib.set_num_threads(n)


def fold_rows(r: np.ndarray, rows: np.ndarray, trapezoidal: bool = False) -> np.ndarray:
    """The R factor of [r; rows], for r the (upper-triangular or shorter) R of earlier rows.

    With a square r this is LAPACK's tpqrt, which does no work on r's zeros. ``trapezoidal``
    says ``rows`` is itself an R factor (upper trapezoidal), which tpqrt also exploits.
    """
    k = r.shape[1]
    if r.shape[0] == k and k > 0 and len(rows):
        l = min(len(rows), k) if trapezoidal else 0
        r_new, _, _, info = dtpqrt(l, min(TPQRT_NB, k), np.asfortranarray(r),
                                   np.asfortranarray(rows))
        if info != 0:
            raise np.linalg.LinAlgError(f"tpqrt failed (info {info})")
        return r_new
    stacked = np.vstack([r, rows])
    out = scipy.linalg.qr(stacked, mode="r", overwrite_a=True, check_finite=False)[0]
    return np.asfortranarray(out[: min(len(stacked), k)])


def cholesky_update(r: np.ndarray, rows_t: np.ndarray) -> np.ndarray | None:
    """The R factor of [r; B] as chol(I + WᵀW) · r with W = B r⁻¹, or None.

    ``rows_t`` is Bᵀ (K × m, column-major: B's rows stored row-major). [r; B] = [I; W] r
    exactly, and I + WᵀW has every eigenvalue ≥ 1, so its Cholesky factor is well conditioned
    whenever ||W|| is moderate, which it is when the new rows resemble those already in r (same
    data, at most as many rows). The work is two BLAS-3 calls (trsm, syrk) at matrix-multiply
    speed, 2-3× faster than Householder. Returns None, and the caller uses Householder, when
    ||W||_F exceeds MAX_UPDATE_NORM or r is singular.
    """
    k = r.shape[1]
    w_t = dtrsm(1.0, r, rows_t, side=0, lower=0, trans_a=1)        # Wᵀ = r⁻ᵀ Bᵀ
    gram = dsyrk(1.0, w_t, trans=0, beta=1.0, c=np.asfortranarray(np.eye(k)), lower=0)
    w_norm2 = np.trace(gram) - k
    if not np.isfinite(w_norm2) or w_norm2 > MAX_UPDATE_NORM ** 2:
        return None
    factor, info = dpotrf(gram, lower=0, clean=1, overwrite_a=1)
    if info != 0:
        return None
    return dtrmm(1.0, factor, r, side=0, lower=0)


def whiten_t(rows: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(rows · p⁻¹)ᵀ for an upper-triangular p: n × m, column-major (what ``dsyrk`` reads)."""
    return dtrsm(1.0, p, np.asarray(rows).T, side=0, lower=0, trans_a=1)


class WhitenedGram:
    """The R factor of rows B, accumulated as the Gram matrix of their whitened rows B·P⁻¹.

    P is the R factor of a set S of rows that holds every row B will get (a sweep's training
    half), so G = P⁻ᵀBᵀBP⁻¹ ≤ I and chol(G)·P is an R factor of B. Each fold is one syrk of
    rows whitened once beforehand (m·n² flops, half those of a Householder or Cholesky-update
    fold). Forming G squares only its own condition number, the spread of B's scale relative to
    S's across directions, not B's condition number; ``r`` is None when it passes
    MAX_WHITENED_COND (too few rows yet), and the caller folds the rows itself.
    """

    def __init__(self, p: np.ndarray):
        self.p = np.asfortranarray(p)
        self.gram = np.zeros((p.shape[1], p.shape[1]), order="F")
        self.n_rows = 0

    def add(self, whitened_t: np.ndarray) -> None:
        """Fold in rows given as ``whiten_t``'s (n × m) transpose."""
        if whitened_t.shape[1]:
            self.gram = dsyrk(1.0, whitened_t, trans=0, beta=1.0, c=self.gram, lower=0,
                              overwrite_c=1)
            self.n_rows += whitened_t.shape[1]

    def r(self) -> np.ndarray | None:
        """The R factor of the rows added so far, or None when the guard refuses."""
        factor, info = dpotrf(self.gram, lower=0, clean=1, overwrite_a=0)
        if info != 0:
            return None
        rcond, info = dtrcon(factor, norm="1", uplo="U", diag="N")
        if info != 0 or not rcond * MAX_WHITENED_COND >= 1.0:
            return None
        return dtrmm(1.0, factor, self.p, side=0, lower=0)


def whitening_ok(p: np.ndarray, cond: float) -> bool:
    """Whether P may whiten: nonsingular, and conditioned well enough (bound < 0.1/cond) that
    ``lstsq(cond)`` of its rows cuts no singular value."""
    return p.shape[0] == p.shape[1] and _inverse_norm_bound(p) < 0.1 / cond


class StreamingR:
    """Accumulate the R factor of the row-stacked blocks added so far.

    Rows are buffered until ``buffer_rows``, so that every fold is a tall, efficient update
    whatever the caller's block size. Householder (geqrf/tpqrt) starts R on the first
    ``2 · n_columns`` rows; later rows are folded in with the Cholesky update, never more rows
    at once than R already holds (Householder again if its guard refuses).
    """

    def __init__(self, n_columns: int, buffer_rows: int = 16384):
        self.n_columns = n_columns
        self.buffer_rows = max(buffer_rows, 2 * n_columns)
        self.n_rows = 0
        self._r = np.zeros((0, n_columns), order="F")
        self._folded_rows = 0
        self._buffer = None
        self._pending_rows = 0

    def add(self, *column_blocks: np.ndarray) -> None:
        """Append rows given as one array, or as column blocks side by side (e.g. A and Y)."""
        n_new = len(column_blocks[0])
        width = sum(b.shape[1] for b in column_blocks)
        if width != self.n_columns or any(len(b) != n_new for b in column_blocks):
            raise ValueError(f"expected rows of {self.n_columns} columns, got "
                             f"{[b.shape for b in column_blocks]}")
        done = 0
        while done < n_new:
            if self._buffer is None:
                self._buffer = np.empty((self.buffer_rows, self.n_columns))
            take = min(n_new - done, self.buffer_rows - self._pending_rows)
            dest = self._buffer[self._pending_rows:self._pending_rows + take]
            col = 0
            for b in column_blocks:
                dest[:, col:col + b.shape[1]] = b[done:done + take]
                col += b.shape[1]
            self._pending_rows += take
            self.n_rows += take
            done += take
            if self._pending_rows == self.buffer_rows:
                self._fold()

    def _fold(self) -> None:
        block = self._buffer[:self._pending_rows] if self._pending_rows else None
        start = 0
        while block is not None and start < len(block):
            if self._r.shape[0] < self.n_columns or self._folded_rows < 2 * self.n_columns:
                stop = min(len(block), start + 2 * self.n_columns)
                part = block[start:stop]
                self._r = fold_rows(self._r, np.asfortranarray(part))
            else:
                stop = min(len(block), start + self._folded_rows)
                part = block[start:stop]
                updated = cholesky_update(self._r, part.T)
                self._r = updated if updated is not None else \
                    fold_rows(self._r, np.asfortranarray(part))
            self._folded_rows += len(part)
            start = stop
        self._pending_rows = 0

    @property
    def r(self) -> np.ndarray:
        """The R factor of every row added so far (buffered rows are folded first)."""
        self._fold()
        return self._r


def triangular_lstsq(r_aug: np.ndarray, n_features: int, cond: float) -> np.ndarray:
    """``scipy.linalg.lstsq(A, Y, cond=cond)`` from the R factor of [A | Y].

    lstsq drops singular values below ``cond · s_max``; it drops none when κ₂(R) < 1/cond, and
    then its answer is the unique least-squares solution, which a triangular solve gives
    (~n² flops instead of an SVD). ||R||_F · ||R⁻¹||_F ≥ κ₂ is the guard, with a factor 10 of
    margin; otherwise, or if R is singular, the SVD route of lstsq decides (same singular values
    as A, so the same cut-off).
    """
    k = n_features
    top = r_aug[:k, :k]
    if len(top) == k and np.all(np.diag(top) != 0):
        inverse, info = dtrtri(top, lower=0)
        if info == 0:
            bound = np.linalg.norm(top) * np.linalg.norm(np.triu(inverse))
            if np.isfinite(bound) and bound < 0.1 / cond:
                return scipy.linalg.solve_triangular(top, r_aug[:k, k:], check_finite=False)
    return scipy.linalg.lstsq(r_aug[:, :k], r_aug[:, k:], cond=cond, check_finite=False)[0]


def residual_norms2(r_aug: np.ndarray, n_features: int, coefs: np.ndarray) -> np.ndarray:
    """||A b_l - y_m||² for every coefficient column l and target column m (L × M)."""
    pred = r_aug[:, :n_features] @ coefs                       # (r, L), r <= K + M rows
    diff = pred[:, :, None] - r_aug[:, None, n_features:]      # (r, L, M): no cancellation
    return np.einsum("rlm,rlm->lm", diff, diff)


def thin_leverage(blocks, rcond: float | None = None) -> tuple[list[np.ndarray], int]:
    """Row leverages h_i = ||U_i||² of the thin SVD of the stacked blocks, from a streamed R.

    ``blocks`` is a callable returning an iterator of row blocks (called twice: once to build R,
    once to project). Singular values below ``rcond · s_max`` (default: max(m, K)·eps, NumPy's
    rank rule) are treated as zero, so the leverages sum to the numerical rank.
    """
    stream = None
    for block in blocks():
        if stream is None:
            stream = StreamingR(block.shape[1])
        stream.add(block)
    _, s, vt = np.linalg.svd(stream.r, full_matrices=False)
    if rcond is None:
        rcond = max(stream.n_rows, stream.n_columns) * np.finfo(float).eps
    rank = int(np.sum(s > rcond * s[0])) if len(s) else 0
    projector = vt[:rank].T / s[:rank]
    leverages = []
    for b in blocks():
        p = b @ projector
        leverages.append(np.einsum("ij,ij->i", p, p))
    return leverages, rank


def _inverse_norm_bound(top: np.ndarray) -> float:
    """||T||_F · ||T⁻¹||_F for an upper-triangular T (≥ its 2-norm condition number); inf when
    T is singular."""
    if not len(top) or np.any(np.diag(top) == 0):
        return np.inf
    inverse, info = dtrtri(top, lower=0)
    if info != 0:
        return np.inf
    bound = np.linalg.norm(top) * np.linalg.norm(np.triu(inverse))
    return float(bound) if np.isfinite(bound) else np.inf


def weighted_lstsq_path(energy_r: np.ndarray, force_r: np.ndarray, n_features: int,
                        energy_weights, force_weight: float, cond: float
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``lstsq(cond)`` of [w_F F; w_E E] b ≈ [w_F g; w_E e] for every energy weight w_E, from one
    factorization, where [F | g] and [E | e] are the R factors of the force and the energy rows
    of [A | Y].

    Returns (coefs K × (weights·targets), weight-major; solved: bool per weight). A weight marked
    unsolved is left zero and must be solved on its own: the shortcuts below are taken only where
    they provably give ``lstsq``'s answer.

    * **Rank-deficient rows** (fewer rows than columns, or F singular). Where the rows that
      depend on others lie within one block (each configuration's force rows sum to zero over
      its atoms), they are weighted alike: the weighted problem then is A b = P y, P the
      projection on A's range, whatever the weights, and its minimum-norm solution is one
      ``lstsq`` of the unweighted rows. Taken when the residual is orthogonal to each
      block's rows separately (so the solution meets every weight's normal equations) and when
      every weight's cut-off keeps and drops the same singular values.
    * **F of full column rank and well conditioned.** With c = F b and M = E F⁻¹ = U S Vᵀ, the
      normal equations (I + λMᵀM) c = g + λMᵀe (λ = (w_E/w_F)²) give
      c = g + V diag(λs/(1+λs²)) Uᵀ(e − M g): one SVD of M (as many rows as energy rows, at most
      K) serves every weight. Taken when a bound on the weighted condition number shows that
      ``lstsq`` cuts nothing.
    """
    k = n_features
    weights = [float(w) for w in energy_weights]
    n_targets = force_r.shape[1] - k
    coefs = np.zeros((k, len(weights) * n_targets))
    solved = np.zeros(len(weights), dtype=bool)
    f_a, e_a = force_r[:, :k], energy_r[:, :k]
    if len(f_a) < k or not _full_rank_forces(f_a, e_a, force_r[:k, k:], energy_r[:, k:], weights,
                                             force_weight, cond, coefs, solved):
        _rank_deficient(f_a, e_a, force_r[:, k:], energy_r[:, k:], weights, force_weight, cond,
                        coefs, solved)
    return coefs, solved


def _rank_deficient(f_a, e_a, f_y, e_y, weights, force_weight, cond, coefs, solved) -> None:
    n_targets = f_y.shape[1]
    stacked = np.vstack([f_a, e_a])
    y = np.vstack([f_y, e_y])
    b, _, rank, s = scipy.linalg.lstsq(stacked, y, cond=cond, check_finite=False)
    if not len(s) or s[0] == 0:
        return
    same_cut = []
    for w in weights:
        # the weighted rows' singular values lie within [min w, max w] times these
        ratio = max(w, force_weight) / min(w, force_weight) if min(w, force_weight) > 0 else np.inf
        same_cut.append(bool(s[rank - 1] > s[0] * cond * ratio * 10
                             and (rank == len(s) or s[rank] * ratio < s[0] * cond)))
    if not any(same_cut):
        return
    residual = stacked @ b - y
    n_f = len(f_a)
    scale = s[0] * np.linalg.norm(y, axis=0)
    for block, res in ((f_a, residual[:n_f]), (e_a, residual[n_f:])):
        if np.any(np.linalg.norm(block.T @ res, axis=0) > 1e-10 * np.maximum(scale, 1e-300)):
            return
    for i in np.flatnonzero(same_cut):
        coefs[:, i * n_targets:(i + 1) * n_targets] = b
        solved[i] = True


def _full_rank_forces(f_a, e_a, g, e, weights, force_weight, cond, coefs, solved) -> bool:
    """False when F is singular or too ill conditioned for the bound."""
    k, n_targets = f_a.shape[1], g.shape[1]
    top = np.ascontiguousarray(f_a[:k])
    inverse_bound = _inverse_norm_bound(top) / max(np.linalg.norm(top), 1e-300)  # ≥ ||F⁻¹||₂
    if not inverse_bound * np.linalg.norm(top) < 0.1 / cond:
        return False
    m = scipy.linalg.solve_triangular(top, e_a.T, trans="T", check_finite=False).T  # E F⁻¹
    u, s, vt = scipy.linalg.svd(m, full_matrices=False, check_finite=False,
                                lapack_driver="gesdd")
    projected = u.T @ (e - m @ g)
    f_norm2, e_norm2 = np.linalg.norm(top) ** 2, np.linalg.norm(e_a) ** 2
    for i, w in enumerate(weights):
        if force_weight <= 0:
            continue
        lam = (w / force_weight) ** 2
        # σ_max(A)² ≤ w_F²(||F||² + λ||E||²), σ_min(A) ≥ w_F σ_min(F) = w_F / ||F⁻¹||₂
        if not np.sqrt(f_norm2 + lam * e_norm2) * inverse_bound < 0.1 / cond:
            continue
        c = g + vt.T @ ((lam * s / (1.0 + lam * s ** 2))[:, None] * projected)
        coefs[:, i * n_targets:(i + 1) * n_targets] = scipy.linalg.solve_triangular(
            top, c, check_finite=False)
        solved[i] = True
    return True
