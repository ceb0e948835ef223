"""Label noise on synthetic labels of a known qSNAP model: the closed form and the fits agree."""
import numpy as np
import pytest
import scipy.linalg

from mlipcost.descriptors.snap import SnapCalculator, SnapSettings
from mlipcost.models.fit import FitData
from mlipcost.axes.noise import noise_fits
from mlipcost.structures.configurations import generate_crystals

WEIGHT = 20.0


@pytest.fixture(scope="module")
def synthetic():
    """Real Be configurations; labels from a known 2Jmax-4 qSNAP model; rows fitted at 2Jmax 2
    (so the fit has a truncation error), a second level = the labels plus Gaussian noise."""
    s = generate_crystals("Be", 60, 2, 8, seed=11)
    rows = {}
    for twojmax in (2, 4):
        with SnapCalculator(SnapSettings(twojmax=twojmax), "Be") as calc:
            rows[twojmax] = [calc.compute(s.atoms(i)).a for i in range(len(s))]
    rng = np.random.default_rng(2)
    truth = rng.normal(size=rows[4][0].shape[1]) * 1e-3
    energy = np.array([r[0] @ truth for r in rows[4]])
    forces = [r[1:] @ truth for r in rows[4]]
    noisy_e = energy + 0.004 * rng.standard_normal(len(energy))
    noisy_f = [f + 0.08 * rng.standard_normal(len(f)) for f in forces]
    data = FitData(np.array([r[0] for r in rows[2]]), np.stack([noisy_e, energy], axis=1),
                   [r[1:] for r in rows[2]],
                   [np.stack([nf, f], axis=1) for nf, f in zip(noisy_f, forces)],
                   ["noisy", "clean"], np.arange(len(s)))
    return data, np.arange(0, 60, 2), np.arange(1, 60, 2)


def weighted(data, configs, energy, force):
    a = np.vstack([np.vstack([WEIGHT * data.energy_a[c][None], data.force_a[c]]) for c in configs])
    y = np.concatenate([np.concatenate([[WEIGHT * energy[i]], force[i]])
                        for i, c in enumerate(configs)])
    return a, y


def test_noise_free_error_is_the_truncation_error_and_noise_matches_the_closed_form(synthetic):
    data, train, test = synthetic
    repeats = 300
    table = noise_fits(data, train, test, reference_level="clean",
                       energy_sigmas=[0.0, 0.002, 0.01], force_sigmas=[0.0, 0.05, 0.2],
                       energy_weight=WEIGHT, repeats=repeats, seed=4, twojmax=2)
    # σ = 0: the clean 2Jmax-2 fit of the 2Jmax-4 model's labels, predicted on the test half
    a, y = weighted(data, train, data.energy_y[train, 1], [data.force_y[c][:, 1] for c in train])
    beta = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
    truncation = 1e3 * np.sqrt(np.mean((data.energy_a[test] @ beta - data.energy_y[test, 1]) ** 2))
    assert truncation > 0.1   # a real truncation error (meV/atom), not zero
    zero = table[(table["noise"] == "energy") & (table["sigma_energy_meV_per_atom"] == 0)]
    np.testing.assert_allclose(zero["test_energy_rmse_meV_per_atom_vs_reference"], truncation,
                               rtol=1e-7)
    assert zero["expected_test_energy_rmse_meV_per_atom"].iloc[0] == pytest.approx(truncation,
                                                                                   rel=1e-7)
    # σ > 0: the mean sampled MSE is the closed form within 4 standard errors, and it grows
    for kind, sigma_col in (("energy", "sigma_energy_meV_per_atom"),
                            ("force", "sigma_force_meV_per_A")):
        expected_prev = 0.0
        for sigma, rows in table[table["noise"] == kind].groupby(sigma_col):
            for err in ("test_energy_rmse_meV_per_atom", "test_force_rmse_meV_per_A"):
                mse = rows[f"{err}_vs_reference"] ** 2
                expected = rows[f"expected_{err}"].iloc[0] ** 2
                if sigma == 0:
                    assert mse.std() == pytest.approx(0.0, abs=1e-9 * expected)
                    continue
                assert abs(mse.mean() - expected) < 4 * mse.std() / np.sqrt(repeats) + 1e-12
            expected_e = rows["expected_test_energy_rmse_meV_per_atom"].iloc[0]
            assert expected_e >= expected_prev
            expected_prev = expected_e
    # one noisy fit against an explicit lstsq with the same draw (repeat 0, σ_E = 2 meV/atom)
    draw = np.random.default_rng([4, 0]).standard_normal((len(train), repeats))[:, 0]
    a, y = weighted(data, train, data.energy_y[train, 1] + 0.002 * draw,
                    [data.force_y[c][:, 1] for c in train])
    beta = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
    rmse = 1e3 * np.sqrt(np.mean((data.energy_a[test] @ beta - data.energy_y[test, 1]) ** 2))
    got = table[(table["noise"] == "energy") & (table["repeat"] == 0)
                & np.isclose(table["sigma_energy_meV_per_atom"], 2.0)]
    assert got["test_energy_rmse_meV_per_atom_vs_reference"].iloc[0] == pytest.approx(rmse,
                                                                                     rel=1e-8)


def test_a_level_that_is_random_noise_lies_on_its_noise_curve(synthetic):
    data, train, test = synthetic
    table = noise_fits(data, train, test, reference_level="clean", energy_sigmas=[],
                       force_sigmas=[], energy_weight=WEIGHT, repeats=200, seed=5, twojmax=2)
    level = table[table["noise"] == "level noisy"]
    de = data.energy_y[train, 0] - data.energy_y[train, 1]
    df = np.concatenate([data.force_y[c][:, 0] - data.force_y[c][:, 1] for c in train])
    assert level["sigma_energy_meV_per_atom"].iloc[0] == pytest.approx(1e3 * np.sqrt(np.mean(de ** 2)))
    assert level["sigma_force_meV_per_A"].iloc[0] == pytest.approx(1e3 * np.sqrt(np.mean(df ** 2)))
    for err in ("energy_rmse_meV_per_atom", "force_rmse_meV_per_A"):
        own = level[f"level_model_{err}_vs_reference"].iloc[0]
        spread = level[f"test_{err}_vs_reference"]
        # the level's own model is one more draw of the same noise model
        assert spread.quantile(0.005) <= own <= spread.quantile(0.995)
    from mlipcost.axes.noise import levels_as_noise
    from mlipcost.analysis.pareto import summarize

    keys = ["twojmax", "noise", "level", "sigma_energy_meV_per_atom", "sigma_force_meV_per_A"]
    verdict = levels_as_noise(summarize(table, keys=keys)).iloc[0]
    assert verdict["energy_error_behaves_like"] == "random noise"
    assert verdict["force_error_behaves_like"] == "random noise"


def test_a_smooth_level_error_is_learned_as_a_systematic_one(synthetic):
    """A level whose error is itself a 2Jmax-2 qSNAP model (smooth, fully learnable): its model
    carries that error in full, as the systematic prediction says, not the noise model's."""
    from mlipcost.axes.noise import levels_as_noise
    from mlipcost.analysis.pareto import summarize

    data, train, test = synthetic
    shift = np.random.default_rng(9).normal(size=data.n_features) * 2e-4
    data = FitData(data.energy_a, np.stack([data.energy_y[:, 1] + data.energy_a @ shift,
                                            data.energy_y[:, 1]], axis=1),
                   data.force_a, [np.stack([f[:, 1] + a @ shift, f[:, 1]], axis=1)
                                  for f, a in zip(data.force_y, data.force_a)],
                   ["shifted", "clean"], data.config_index)
    table = noise_fits(data, train, test, reference_level="clean", energy_sigmas=[],
                       force_sigmas=[], energy_weight=WEIGHT, repeats=50, seed=5, twojmax=2)
    keys = ["twojmax", "noise", "level", "sigma_energy_meV_per_atom", "sigma_force_meV_per_A"]
    verdict = levels_as_noise(summarize(table, keys=keys)).iloc[0]
    assert verdict["force_error_behaves_like"] == "systematic error"
    assert verdict["energy_error_behaves_like"] == "systematic error"
