"""Mixed-fidelity fits against the stacked least-squares problems they claim to solve."""
import numpy as np
import pytest
import scipy.linalg

from mlipcost.models.fit import SetStats, augmented_r
from mlipcost.axes.mixed import compare_with_single, mixed_coefficients, mixed_fidelity_fits
from tests.test_linalg_fit import random_fit_data


def rows(data, configs, energy_level, force_level, weight, offset=None):
    """Explicit weighted rows [A | offset column?] and targets of ``configs``."""
    a, y = [], []
    for c in configs:
        e_row = data.energy_a[c][None]
        f_rows = data.force_a[c]
        if offset is not None:
            e_row = np.hstack([e_row, [[offset]]])
            f_rows = np.hstack([f_rows, np.zeros((len(f_rows), 1))])
        if energy_level is not None:
            a.append(weight * e_row)
            y.append(weight * data.energy_y[c, [energy_level]])
        if force_level is not None:
            a.append(f_rows)
            y.append(data.force_y[c][:, force_level])
    return np.vstack(a), np.concatenate(y)


def coefficients(data, s_lo, s_hi, pairs, weight):
    low, high = augmented_r(data, s_lo)[:2], augmented_r(data, s_hi)[:2]
    return mixed_coefficients(data.n_features, (low[0].r, low[1].r), (high[0].r, high[1].r),
                              (data.energy_a[s_lo], data.energy_y[s_lo]), pairs,
                              len(data.levels), weight)


def test_delta_model_is_the_block_diagonal_stacked_fit():
    """β_lo + δ solves min ‖W(A_lo b − y_lo)‖² + ‖W(A_hi d − (y_hi − y_lo))‖², model b + d."""
    data = random_fit_data(n_configs=30, k=8, levels=3, seed=5)
    s_lo, s_hi = np.arange(20), np.array([3, 7, 11, 2, 5, 8])
    pairs = [(0, 2), (1, 2), (0, 1)]
    got = coefficients(data, s_lo, s_hi, pairs, 7.0)["delta"]
    for p, (lo, hi) in enumerate(pairs):
        a_lo, y_lo = rows(data, s_lo, lo, lo, 7.0)
        a_hi, y_hi = rows(data, s_hi, hi, hi, 7.0)
        _, y_hi_lo = rows(data, s_hi, lo, lo, 7.0)
        k = data.n_features
        stacked = np.block([[a_lo, np.zeros_like(a_lo)], [np.zeros_like(a_hi), a_hi]])
        bd = scipy.linalg.lstsq(stacked, np.concatenate([y_lo, y_hi - y_hi_lo]), cond=1e-13)[0]
        np.testing.assert_allclose(got[:, p], bd[:k] + bd[k:], rtol=1e-9, atol=1e-11)


def test_joint_offset_fit_is_the_stacked_fit_with_an_offset_column():
    data = random_fit_data(n_configs=30, k=8, levels=3, seed=6)
    s_lo, s_hi = np.arange(18), np.array([0, 4, 9, 12, 17])
    got = coefficients(data, s_lo, s_hi, [(0, 2)], 12.25)["joint_offset"]
    a_lo, y_lo = rows(data, s_lo, 0, 0, 12.25, offset=1.0)
    a_hi, y_hi = rows(data, s_hi, 2, 2, 12.25, offset=0.0)
    full = scipy.linalg.lstsq(np.vstack([a_lo, a_hi]), np.concatenate([y_lo, y_hi]),
                              cond=1e-13)[0]
    np.testing.assert_allclose(got[:, 0], full[:-1], rtol=1e-9, atol=1e-11)


def test_split_fits_take_energies_and_forces_from_their_own_levels_and_sets():
    data = random_fit_data(n_configs=30, k=8, levels=3, seed=7)
    s_lo, s_hi = np.arange(16), np.array([1, 2, 3, 4, 5, 6])
    got = coefficients(data, s_lo, s_hi, [(1, 2)], 3.0)
    for method, (e_set, e_lev), (f_set, f_lev) in (
            ("split_energy_high", (s_hi, 2), (s_lo, 1)),
            ("split_force_high", (s_lo, 1), (s_hi, 2))):
        a_e, y_e = rows(data, e_set, e_lev, None, 3.0)
        a_f, y_f = rows(data, f_set, None, f_lev, 3.0)
        want = scipy.linalg.lstsq(np.vstack([a_e, a_f]), np.concatenate([y_e, y_f]),
                                  cond=1e-13)[0]
        np.testing.assert_allclose(got[method][:, 0], want, rtol=1e-9, atol=1e-11)


def test_offset_absorbs_a_pure_energy_shift_between_levels():
    """Low level = high level + a constant per-atom energy shift: the joint fit's model is the
    one it finds when the low level has no shift at all."""
    data = random_fit_data(n_configs=30, k=8, levels=2, seed=8)
    data.energy_y[:, 0] = data.energy_y[:, 1] + 0.25
    data.force_y = [np.repeat(f[:, [1]], 2, axis=1) for f in data.force_y]
    s_lo, s_hi = np.arange(24), np.array([0, 1])
    got = coefficients(data, s_lo, s_hi, [(0, 1)], 10.0)["joint_offset"]
    a_lo, y_lo = rows(data, s_lo, 1, 1, 10.0, offset=1.0)   # high-level labels, unshifted
    a_hi, y_hi = rows(data, s_hi, 1, 1, 10.0, offset=0.0)
    want = scipy.linalg.lstsq(np.vstack([a_lo, a_hi]), np.concatenate([y_lo, y_hi]),
                              cond=1e-13)[0]
    np.testing.assert_allclose(got[:, 0], want[:-1], rtol=1e-8, atol=1e-10)


def test_mixed_rows_report_test_errors_and_the_cost_of_both_sets():
    data = random_fit_data(n_configs=40, k=6, levels=3, seed=9)
    train, test = np.arange(24), np.arange(24, 40)
    cost = np.ones((40, 3)) * [1.0, 3.0, 10.0]
    table = mixed_fidelity_fits(data, train, test, low_sizes=[12, 24], high_sizes=[4, 12],
                                energy_weights=[5.0], repeats=2, seed=1, sampler="random",
                                sampler_index=0, scores=None, reference_level="3",
                                cost_s=cost, twojmax=2)
    # 3 (n_lo, n_hi) combinations × 4 methods × 3 pairs × 2 repeats
    assert len(table) == 3 * 4 * 3 * 2
    row = table[(table["method"] == "delta") & (table["low_level"] == "1")
                & (table["high_level"] == "3") & (table["low_size"] == 24)
                & (table["high_size"] == 4) & (table["repeat"] == 0)].iloc[0]
    assert row["dft_cost_s"] == pytest.approx(24 * 1.0 + 4 * 10.0)
    rng = np.random.default_rng([1, 0, 0])
    order = train[rng.permutation(len(train))]
    coefs = coefficients(data, np.sort(order[:24]), order[:4], [(0, 2)], 5.0)["delta"]
    d = data.energy_a[test] @ coefs[:, 0] - data.energy_y[test, 2]
    assert row["test_energy_rmse_meV_per_atom_vs_reference"] == pytest.approx(
        1e3 * np.sqrt(np.mean(d ** 2)), rel=1e-9)
    errs = SetStats.of(data, test).errors(coefs, data.n_features)
    assert row["test_force_rmse_meV_per_A_vs_reference"] == pytest.approx(
        1e3 * errs["force"][0, 2], rel=1e-12)


def test_comparison_marks_mixed_points_no_single_level_point_dominates():
    import pandas as pd

    single = pd.DataFrame({"twojmax": 6, "train_level": ["1", "3"], "size": [10, 10],
                           "sampler": "leverage", "energy_weight": 150.0,
                           "dft_cost_s": [10.0, 100.0],
                           "test_energy_rmse_meV_per_atom_vs_reference": [20.0, 2.0],
                           "test_force_rmse_meV_per_A_vs_reference": [100.0, 50.0]})
    mixed = pd.DataFrame({"twojmax": 6, "method": "delta", "low_level": "1", "high_level": "3",
                          "low_size": 10, "high_size": [2, 5], "energy_weight": 150.0,
                          "dft_cost_s": [30.0, 120.0],
                          "test_energy_rmse_meV_per_atom_vs_reference": [5.0, 3.0],
                          "test_force_rmse_meV_per_A_vs_reference": [60.0, 55.0]})
    marked, table = compare_with_single(single, mixed, n_budgets=2)
    assert marked["beats_single_levels"].tolist() == [True, False]
    at_30 = table[np.isclose(table["budget_s"], 30.0) & (table["objective"] == "energy")]
    assert at_30["best_single_rmse"].iloc[0] == 20.0 and at_30["best_mixed_rmse"].iloc[0] == 5.0
    assert at_30["mixed_gain_percent"].iloc[0] == pytest.approx(75.0)


def test_the_axes_are_off_unless_enabled_and_take_their_defaults_from_fit():
    from mlipcost.config import ConfigError, label_noise_settings, mixed_fidelity_settings

    config = {"descriptors": {"twojmax": [4, 6]},
              "fit": {"reference_level": "6", "training_sizes": [10, 20], "samplers": ["random"],
                      "energy_weights": [150], "repeats": 3}}
    assert mixed_fidelity_settings(config) is None and label_noise_settings(config) is None
    config["mixed_fidelity"] = {"enabled": False, "twojmax": [8]}
    assert mixed_fidelity_settings(config) is None
    config["mixed_fidelity"] = {"enabled": True, "sampler": "random"}
    mixed = mixed_fidelity_settings(config)
    assert mixed["low_sizes"] == [10, 20] and mixed["repeats"] == 3 and mixed["twojmax"] == [4, 6]
    config["label_noise"] = {"enabled": True, "twojmax": [8]}
    with pytest.raises(ConfigError, match="label_noise.twojmax"):
        label_noise_settings(config)
