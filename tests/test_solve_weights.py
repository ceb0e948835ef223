"""Every energy weight from one factorization gives lstsq(cond=1e-13) of each weight's rows."""

import numpy as np
import pytest
import scipy.linalg

from mlipcost.models.fit import LSTSQ_COND, solve, solve_weights
from mlipcost.models.linalg import StreamingR, weighted_lstsq_path

WEIGHTS = [0.5, 5.0, 12.25, 150.0, 1e4]


def rows(n_configs, atoms, k, levels, rng, force_sums_zero=True):
    """Energy and force rows of ``n_configs`` configurations; each configuration's force rows sum
    to zero over its atoms per direction, as descriptor derivatives do."""
    energy_a = rng.normal(size=(n_configs, k))
    energy_y = rng.normal(size=(n_configs, levels))
    force_a, force_y = [], []
    for _ in range(n_configs):
        a = rng.normal(size=(atoms, 3, k))
        y = rng.normal(size=(atoms, 3, levels))
        if force_sums_zero:
            a -= a.mean(axis=0)
        force_a.append(a.reshape(-1, k))
        force_y.append(y.reshape(-1, levels))
    return energy_a, energy_y, np.vstack(force_a), np.vstack(force_y)


def r_factors(energy_a, energy_y, force_a, force_y):
    k, levels = energy_a.shape[1], energy_y.shape[1]
    e, f = StreamingR(k + levels), StreamingR(k + levels)
    e.add(energy_a, energy_y)
    f.add(force_a, force_y)
    return e.r, f.r


def direct(energy_a, energy_y, force_a, force_y, weight):
    a = np.vstack([force_a, weight * energy_a])
    y = np.vstack([force_y, weight * energy_y])
    return scipy.linalg.lstsq(a, y, cond=LSTSQ_COND)[0]


@pytest.mark.parametrize("n_configs, atoms, k", [
    (3, 4, 60),     # fewer rows than columns, force rows dependent: the rank-deficient path
    (40, 4, 30),    # F of full column rank: one SVD of E F⁻¹
    (9, 2, 60),     # as many rows as columns but rank-deficient
    (2, 1, 10),     # one atom: its force rows are all zero
])
def test_every_weight_equals_its_own_lstsq(n_configs, atoms, k):
    rng = np.random.default_rng(n_configs * 100 + k)
    data = rows(n_configs, atoms, k, 3, rng)
    e_r, f_r = r_factors(*data)
    shared = solve_weights(e_r, f_r, k, WEIGHTS)
    alone = solve_weights(e_r, f_r, k, WEIGHTS, shared=False)
    for i, w in enumerate(WEIGHTS):
        want = direct(*data, w)
        got = shared[:, 3 * i:3 * i + 3]
        scale = np.abs(want).max()
        assert np.abs(got - want).max() <= 1e-8 * scale, w
        assert np.abs(alone[:, 3 * i:3 * i + 3] - want).max() <= 1e-8 * scale, w


def test_shortcuts_taken_where_exact_and_left_where_not():
    rng = np.random.default_rng(5)
    k = 40
    # fewer rows than columns, dependent force rows: every weight from one lstsq, except one so
    # large (1e4) that rounding-level singular values could reach its cut-off
    e_r, f_r = r_factors(*rows(4, 3, k, 2, rng))
    assert weighted_lstsq_path(e_r, f_r, k, WEIGHTS, 1.0, LSTSQ_COND)[1][:-1].all()
    # many configurations: F has full column rank
    e_r, f_r = r_factors(*rows(60, 3, k, 2, rng))
    assert weighted_lstsq_path(e_r, f_r, k, WEIGHTS, 1.0, LSTSQ_COND)[1].all()
    # a column so small that only some weights' cut-off drops it: those weights are left to
    # their own lstsq, which still agrees
    energy_a, energy_y, force_a, force_y = rows(60, 3, k, 2, rng)
    force_a[:, 0] *= 1e-9
    energy_a[:, 0] *= 1e-9
    e_r, f_r = r_factors(energy_a, energy_y, force_a, force_y)
    solved = weighted_lstsq_path(e_r, f_r, k, WEIGHTS, 1.0, LSTSQ_COND)[1]
    assert not solved.all()
    got = solve_weights(e_r, f_r, k, WEIGHTS)
    for i, w in enumerate(WEIGHTS):
        np.testing.assert_allclose(got[:, 2 * i:2 * i + 2], solve(e_r, f_r, k, w), rtol=0,
                                   atol=1e-9 * np.abs(got).max())


def test_energy_and_force_rows_dependent_together_are_not_shortcut():
    """A force row repeated as an energy row makes the weighted answer depend on the weight
    through that pair; the rank-deficient shortcut must notice and leave it to lstsq."""
    rng = np.random.default_rng(8)
    k = 50
    energy_a, energy_y, force_a, force_y = rows(3, 3, k, 1, rng, force_sums_zero=False)
    energy_a[0] = force_a[0]
    energy_y[0] = force_y[0] + 1.0
    e_r, f_r = r_factors(energy_a, energy_y, force_a, force_y)
    assert not weighted_lstsq_path(e_r, f_r, k, WEIGHTS, 1.0, LSTSQ_COND)[1].any()
    got = solve_weights(e_r, f_r, k, WEIGHTS)
    for i, w in enumerate(WEIGHTS):
        want = direct(energy_a, energy_y, force_a, force_y, w)
        assert np.abs(got[:, i:i + 1] - want).max() <= 1e-8 * np.abs(want).max()
