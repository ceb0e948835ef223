import numpy as np
import pytest
import scipy.linalg

from mlipcost.models.fit import FitData, SetStats, fit_sweep, sampling_order, solve
from mlipcost.models.linalg import StreamingR, residual_norms2, thin_leverage


def random_fit_data(n_configs=24, k=12, levels=3, seed=0):
    rng = np.random.default_rng(seed)
    n_atoms = rng.integers(1, 5, size=n_configs)
    truth = rng.normal(size=(k, levels))
    energy_a = rng.normal(size=(n_configs, k))
    force_a = [rng.normal(size=(3 * n, k)) for n in n_atoms]
    energy_y = energy_a @ truth + 0.1 * rng.normal(size=(n_configs, levels))
    force_y = [f @ truth + 0.05 * rng.normal(size=(len(f), levels)) for f in force_a]
    return FitData(energy_a, energy_y, force_a, force_y, [str(i + 1) for i in range(levels)],
                   np.arange(n_configs))


def weighted_system(data, configs, weight):
    a = np.vstack([np.vstack([weight * data.energy_a[c][None], data.force_a[c]]) for c in configs])
    y = np.vstack([np.vstack([weight * data.energy_y[c][None], data.force_y[c]]) for c in configs])
    return a, y


def test_streamed_r_gives_lstsq_solution_and_residuals():
    data = random_fit_data()
    configs = np.arange(10)
    e, f = StreamingR(15), StreamingR(15)
    for c in configs:  # one configuration at a time, as nested sizes grow
        e.add(np.hstack([data.energy_a[[c]], data.energy_y[[c]]]))
        f.add(np.hstack([data.force_a[c], data.force_y[c]]))
    for weight in (0.1, 1.0, 150.0):
        coefs = solve(e.r, f.r, 12, weight)
        a, y = weighted_system(data, configs, weight)
        ref = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
        np.testing.assert_allclose(coefs, ref, rtol=1e-9, atol=1e-11)
    r_aug = StreamingR(15)
    ea = np.vstack([data.energy_a[c][None] for c in configs])
    r_aug.add(np.hstack([ea, data.energy_y[configs]]))
    res = residual_norms2(r_aug.r, 12, coefs)
    direct = ((ea @ coefs)[:, :, None] - data.energy_y[configs][:, None, :]) ** 2
    np.testing.assert_allclose(res, direct.sum(0), rtol=1e-9)


def test_set_errors_equal_direct_prediction():
    data = random_fit_data()
    coefs = np.random.default_rng(3).normal(size=(12, 3))
    test = np.arange(12, 24)
    errs = SetStats.of(data, test).errors(coefs, 12)
    pe = data.energy_a[test] @ coefs
    for l in range(3):
        for m in range(3):
            d = pe[:, l] - data.energy_y[test, m]
            assert errs["energy"][l, m] == pytest.approx(np.sqrt(np.mean(d ** 2)), rel=1e-9)
            assert errs["energy_shifted"][l, m] == pytest.approx(np.std(d), rel=1e-8)
            df = np.concatenate([data.force_a[c] @ coefs[:, l] - data.force_y[c][:, m] for c in test])
            assert errs["force"][l, m] == pytest.approx(np.sqrt(np.mean(df ** 2)), rel=1e-9)


def test_leverage_equals_thin_svd_and_sums_to_rank():
    rng = np.random.default_rng(4)
    blocks = [rng.normal(size=(rng.integers(1, 6), 7)) for _ in range(15)]
    per_row, rank = thin_leverage(lambda: iter(blocks))
    u = np.linalg.svd(np.vstack(blocks), full_matrices=False)[0]
    np.testing.assert_allclose(np.concatenate(per_row), (u ** 2).sum(1), atol=1e-8)
    assert rank == 7 and sum(h.sum() for h in per_row) == pytest.approx(7)


def test_weighted_sampling_without_replacement():
    rng = np.random.default_rng(0)
    scores = np.array([0.0, 1.0, 100.0, 1.0])
    firsts = [sampling_order(4, "leverage", rng, scores)[0] for _ in range(200)]
    assert np.mean(np.array(firsts) == 2) > 0.9
    order = sampling_order(4, "leverage", rng, scores)
    assert sorted(order) == [0, 1, 2, 3] and order[-1] == 0


def test_sweep_rows_agree_with_a_direct_fit():
    data = random_fit_data()
    train, test = np.arange(12), np.arange(12, 24)
    cost = np.ones((24, 3)) * [1.0, 2.0, 4.0]
    table = fit_sweep(data, train, test, samplers=["random"], sizes=[6, 12],
                      energy_weights=[1.0, 10.0], repeats=1, seed=7, scores={},
                      reference_level="3", cost_s=cost, twojmax=4)
    assert len(table) == 2 * 2 * 3
    row = table[(table["size"] == 12) & (table["energy_weight"] == 10.0)
                & (table["train_level"] == "2")].iloc[0]
    a, y = weighted_system(data, train, 10.0)
    coefs = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
    d = data.energy_a[test] @ coefs[:, 1] - data.energy_y[test, 2]
    assert row["test_energy_rmse_meV_per_atom_vs_reference"] == pytest.approx(
        1e3 * np.sqrt(np.mean(d ** 2)), rel=1e-8)
    assert row["dft_cost_s"] == pytest.approx(24.0)


def test_fold_rows_and_buffering_give_the_r_of_the_stacked_rows():
    from mlipcost.models.linalg import fold_rows

    rng = np.random.default_rng(5)
    rows = rng.normal(size=(300, 40))
    gram = rows.T @ rows
    buffered, single = StreamingR(40, buffer_rows=64), StreamingR(40, buffer_rows=10_000)
    for start in range(0, 300, 7):
        buffered.add(rows[start:start + 7])
        single.add(rows[start:start + 7])
    for r in (buffered.r, single.r):
        assert r.shape == (40, 40) and np.allclose(np.tril(r, -1), 0)
        np.testing.assert_allclose(r.T @ r, gram, rtol=1e-10, atol=1e-9)
    # two R factors folded with tpqrt's trapezoidal form, including a short (trapezoidal) one
    top = scipy.linalg.qr(rows[:100], mode="r")[0][:40]
    short = scipy.linalg.qr(rows[100:125], mode="r")[0][:25]
    both = fold_rows(top, short, trapezoidal=True)
    np.testing.assert_allclose(both.T @ both, rows[:125].T @ rows[:125], rtol=1e-10, atol=1e-9)


def test_triangular_lstsq_matches_lstsq_well_and_ill_conditioned():
    from mlipcost.models.linalg import triangular_lstsq

    rng = np.random.default_rng(6)
    a = rng.normal(size=(200, 30)) * np.logspace(0, 6, 30)   # κ ≈ 1e6: the triangular path
    y = rng.normal(size=(200, 2))
    r = scipy.linalg.qr(np.hstack([a, y]), mode="r")[0][:32]
    np.testing.assert_allclose(triangular_lstsq(r, 30, 1e-13),
                               scipy.linalg.lstsq(a, y, cond=1e-13)[0], rtol=1e-8)
    bad = a.copy()
    bad[:, 5] = bad[:, 4] * 3.0 + 1e-12 * rng.normal(size=200)   # κ ≫ 1e13: lstsq's cut-off
    r = scipy.linalg.qr(np.hstack([bad, y]), mode="r")[0][:32]
    ours = triangular_lstsq(r, 30, 1e-13)
    ref = scipy.linalg.lstsq(bad, y, cond=1e-13)[0]
    np.testing.assert_allclose(bad @ ours, bad @ ref, rtol=1e-7, atol=1e-9)
    assert np.linalg.norm(ours) == pytest.approx(np.linalg.norm(ref), rel=1e-6)  # minimum norm


def test_training_half_errors_when_sizes_stop_short_of_it():
    data = random_fit_data()
    train, test = np.arange(12), np.arange(12, 24)
    table = fit_sweep(data, train, test, samplers=["random"], sizes=[4, 8], energy_weights=[10.0],
                      repeats=2, seed=3, scores={}, reference_level="3", cost_s=np.ones((24, 3)),
                      twojmax=4)
    row = table[(table["size"] == 8) & (table["train_level"] == "1")
                & (table["repeat"] == 1)].iloc[0]
    rng = np.random.default_rng([3, 1, 0])
    subset = train[sampling_order(12, "random", rng)][:8]
    a, y = weighted_system(data, subset, 10.0)
    coefs = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
    d = np.concatenate([data.force_a[c] @ coefs[:, 0] - data.force_y[c][:, 2] for c in train])
    assert row["train_force_rmse_meV_per_A_vs_reference"] == pytest.approx(
        1e3 * np.sqrt(np.mean(d ** 2)), rel=1e-8)


def test_sweep_blocks_concatenated_are_the_whole_sweep():
    """A sweep scattered over jobs of (sampler, repeats) gives, block tables concatenated sampler
    by sampler, the single job's table bit for bit, training-half errors included."""
    import pandas as pd

    from mlipcost.models.fit import repeat_blocks, sweep_halves

    data = random_fit_data(n_configs=40)
    train, test = np.arange(20), np.arange(20, 40)
    scores = {"leverage": np.linspace(0.1, 1.0, 20)}
    args = dict(samplers=["random", "leverage"], sizes=[4, 8, 12], energy_weights=[1.0, 50.0],
                repeats=3, seed=11, scores=scores, reference_level="3", cost_s=np.ones((40, 3)),
                twojmax=4)
    whole = fit_sweep(data, train, test, **args)
    assert repeat_blocks(3, 2) == [(0, 2), (2, 3)]
    assert repeat_blocks(3, None) == [(0, 3)]
    for per_job in (1, 2):
        blocks = [fit_sweep(data, train, test, **args, only_sampler=sampler,
                            only_repeats=block)
                  for sampler in ("random", "leverage") for block in repeat_blocks(3, per_job)]
        pd.testing.assert_frame_equal(pd.concat(blocks, ignore_index=True), whole,
                                      check_exact=True)
    # the halves computed once for all blocks (the scattered workflow's sweep_halves job)
    halves = sweep_halves(data, train, test, samplers=args["samplers"], sizes=args["sizes"],
                          seed=args["seed"], scores=scores)
    blocks = [fit_sweep(data, train, test, **args, only_sampler=sampler, only_repeats=block,
                        halves=halves)
              for sampler in ("random", "leverage") for block in repeat_blocks(3, 1)]
    pd.testing.assert_frame_equal(pd.concat(blocks, ignore_index=True), whole, check_exact=True)


def test_whitened_gram_gives_the_r_of_a_subset_and_refuses_too_few_rows():
    from mlipcost.models.linalg import WhitenedGram, triangular_lstsq, whiten_t

    rng = np.random.default_rng(8)
    # columns over six decades: the rows' own Gram matrix would lose ~12 digits, the whitened
    # one loses only the subset's spread relative to the whole set
    whole = rng.normal(size=(600, 25)) * np.logspace(0, 6, 25)
    whole[:, -1] = whole[:, :-1] @ rng.normal(size=24) + rng.normal(size=600)  # the target
    p = scipy.linalg.qr(whole, mode="r")[0][:25]
    subset = whole[rng.permutation(600)[:120]]
    gram = WhitenedGram(p)
    for start in range(0, 120, 50):
        gram.add(whiten_t(subset[start:start + 50], p))
    r = gram.r()
    assert r is not None and gram.n_rows == 120 and np.allclose(np.tril(r, -1), 0)
    ref = scipy.linalg.lstsq(subset[:, :24], subset[:, 24:], cond=1e-13)[0]
    np.testing.assert_allclose(triangular_lstsq(r, 24, 1e-13), ref, rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.diag(r)),
                               np.abs(np.diag(scipy.linalg.qr(subset, mode="r")[0])), rtol=1e-9)
    few = WhitenedGram(p)
    few.add(whiten_t(subset[:20], p))       # fewer rows than columns: singular, refused
    assert few.r() is None


def test_sweep_from_whitened_rows_equals_folding_every_row(monkeypatch):
    """The orderings after the first grow from whitened rows; the table is the one every row
    folded gives, to rounding."""
    import mlipcost.models.linalg as linalg

    data = random_fit_data(n_configs=80, k=10)
    train, test = np.arange(40), np.arange(40, 80)
    args = dict(samplers=["random", "leverage"], sizes=[1, 10, 20, 40],
                energy_weights=[1.0, 50.0], repeats=3, seed=5,
                scores={"leverage": np.linspace(0.1, 1.0, 40)}, reference_level="3",
                cost_s=np.ones((80, 3)), twojmax=4)
    accepted = []
    original = linalg.WhitenedGram.r
    monkeypatch.setattr(linalg.WhitenedGram, "r",
                        lambda self: accepted.append(original(self) is not None) or
                        original(self))
    whitened = fit_sweep(data, train, test, **args)
    assert any(accepted)      # whitened rows were used...
    assert not accepted[0]    # ...and the first size's few rows were folded instead
    folded = fit_sweep(data, train, test, **args, whitened_growth=False)
    assert len(accepted) == 5 * 4    # the five orderings after the first, at each size
    rmse = [c for c in folded.columns if "_rmse_" in c]
    np.testing.assert_allclose(whitened[rmse].to_numpy(), folded[rmse].to_numpy(), rtol=1e-8,
                               atol=1e-9)


def test_blas_threads_sets_and_restores_the_pools():
    from threadpoolctl import threadpool_info

    from mlipcost.models.linalg import blas_threads

    before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()
              if i["user_api"] == "blas"]
    with blas_threads(1):
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    assert [(i["filepath"], i["num_threads"]) for i in threadpool_info()
            if i["user_api"] == "blas"] == before


def test_whitened_rows_in_a_temporary_file_equal_those_in_memory():
    from mlipcost.models.fit import WhitenedRows

    data = random_fit_data(n_configs=30, k=6)
    train = np.arange(0, 30, 2)
    p = SetStats.of(data, train).force_r
    in_memory = WhitenedRows(data, train, p, block_rows=10)
    on_disk = WhitenedRows(data, train, p, memory_bytes=0, block_rows=10)
    assert isinstance(on_disk.rows_t, np.memmap) and not isinstance(in_memory.rows_t, np.memmap)
    configs = np.array([8, 2, 14])
    for mine, theirs in zip(in_memory.blocks_t(configs), on_disk.blocks_t(configs)):
        np.testing.assert_array_equal(mine, theirs)
    rows = np.hstack(list(in_memory.blocks_t(configs))).T @ p     # W·P gives back [A | Y]
    expected = np.vstack([np.hstack([data.force_a[c], data.force_y[c]]) for c in configs])
    np.testing.assert_allclose(rows, expected, rtol=1e-10, atol=1e-10)
