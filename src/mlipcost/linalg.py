"""Streamed QR (TSQR) helpers: the R factor of a tall matrix, built block by block.

If [A | Y] = Q R_aug, then for every coefficient vector b and target column m,
||A b - y_m|| = ||R_aug[:, :K] b - R_aug[:, K + m]||: an R factor of the augmented matrix is a
sufficient statistic for least-squares fits and their residual norms.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


class StreamingR:
    """Accumulate the R factor of the row-stacked blocks added so far."""

    def __init__(self, n_columns: int):
        self.n_columns = n_columns
        self.r = np.zeros((0, n_columns))
        self.n_rows = 0

    def add(self, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        self.n_rows += len(rows)
        stacked = np.vstack([self.r, rows])
        self.r = scipy.linalg.qr(stacked, mode="r", overwrite_a=True, check_finite=False)[0]
        self.r = self.r[: min(len(stacked), self.n_columns)]

    def copy(self) -> "StreamingR":
        other = StreamingR(self.n_columns)
        other.r, other.n_rows = self.r.copy(), self.n_rows
        return other


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
    return [np.einsum("ij,ij->i", b @ projector, b @ projector) for b in blocks()], rank
