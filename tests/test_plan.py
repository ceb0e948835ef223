"""Learning curves from a pilot: the fit's algebra on curves with known parameters,
its intervals on simulated repeats, the plan, and the paper's own files as the acceptance."""

import numpy as np
import pandas as pd
import pytest

from mlipcost.cli import main
from mlipcost.analysis.pareto import OBJECTIVES
from mlipcost.plan.curves import (_fit_floor_amplitude, backtest, compare_with_actual, curve_value,
                                  fit_curves, law_range, plan, predict_errors, seconds_per_configuration)

SIZES = np.array([100.0, 200.0, 350.0, 500.0, 1000.0])


def test_fit_recovers_floor_amplitude_and_shared_exponent():
    floors, amplitudes, exponent = np.array([4.0, 100.0, 2500.0]), np.array([900.0, 3e4, 1e5]), 0.6
    rmse = np.sqrt(floors[:, None] + amplitudes[:, None] * SIZES[None, :] ** -exponent)
    fitted_exponent, floor, amplitude = fit_curves(SIZES, rmse)
    np.testing.assert_allclose(fitted_exponent, exponent)
    np.testing.assert_allclose(floor, floors, rtol=1e-9)
    np.testing.assert_allclose(amplitude, amplitudes, rtol=1e-9)
    np.testing.assert_allclose(curve_value(fitted_exponent, floor, amplitude, 1e4)[:, 0],
                               np.sqrt(floors + amplitudes * 1e4 ** -exponent), rtol=1e-9)


def test_a_rising_curve_gets_no_negative_amplitude():
    # the relative least-squares constant through y² is Σ(1/y²)/Σ(1/y⁴)
    y2 = np.array([[100.0, 110.0, 121.0]])
    floor, amplitude, _ = _fit_floor_amplitude(np.array([1.0, 0.5, 0.25]), y2)
    assert amplitude[0] == 0.0
    assert floor[0] == pytest.approx((1 / y2).sum() / (1 / y2 ** 2).sum())


def test_a_curve_that_rises_first_is_fitted_from_its_peak():
    # two regular curves sharing exponent 0.6 and one that rises to its peak at 200, then follows
    # the power law 400·(n/200)^−0.1 (RMSE), which its local slope from the peak on recovers
    sizes = np.array([100.0, 200.0, 350.0])
    regular = np.sqrt(np.array([[4.0], [100.0]]) + np.array([[900.0], [3e4]]) * sizes ** -0.6)
    transient = np.array([[360.0, 400.0, 400.0 * 1.75 ** -0.1]])
    exponent, floor, amplitude = fit_curves(sizes, np.vstack([regular, transient]))
    np.testing.assert_allclose(exponent, [0.6, 0.6, 0.2])
    assert floor[2] == 0.0
    np.testing.assert_allclose(curve_value(exponent, floor, amplitude, 9990)[2, 0],
                               400.0 * (9990 / 200) ** -0.1, rtol=1e-9)
    rising = fit_curves(sizes, np.array([[300.0, 310.0, 320.0]]))
    np.testing.assert_allclose(curve_value(*rising, 9990)[0, 0], 320.0)


def simulated_runs(seed=0, repeats=30):
    """A sweep table whose median curves follow known laws, with log-normal subset scatter."""
    rng = np.random.default_rng(seed)
    truth = {(1, 10.0): (400.0, 2e4, 3e5, 4e6), (2, 10.0): (9.0, 5e3, 2.5e4, 2e6),
             (2, 100.0): (6.0, 4e3, 2.7e4, 3e6)}
    rows = []
    for (level, weight), (fe, ae, ff, af) in truth.items():
        for n in SIZES:
            for r in range(repeats):
                scatter = np.exp(rng.normal(0, 0.03, 2))
                rows.append({"twojmax": 6, "sampler": "leverage", "train_level": level,
                             "energy_weight": weight, "size": int(n), "repeat": r,
                             "dft_cost_s": {1: 2.0, 2: 20.0}[level] * n,
                             OBJECTIVES[1]: np.sqrt(fe + ae * n ** -0.7) * scatter[0],
                             OBJECTIVES[2]: np.sqrt(ff + af * n ** -0.7) * scatter[1]})
    return pd.DataFrame(rows)


def test_predictions_from_a_pilot_cover_the_larger_sizes():
    runs = simulated_runs()
    compared = compare_with_actual(predict_errors(runs, 350, [500, 1000]), runs)
    assert len(compared) == 3 * 2 * 2
    assert compared["covered"].all(), compared
    assert compared["relative_error_pct"].abs().max() < 10
    assert (compared["lower"] < compared["predicted"]).all()
    assert (compared["predicted"] < compared["upper"]).all()
    # further out, wider
    wide = compared.assign(width=np.log(compared["upper"] / compared["lower"]))
    by_size = wide.pivot_table(index=["train_level", "energy_weight", "metric"], columns="size",
                               values="width")
    assert (by_size[1000] > by_size[500]).all()


def test_plan_takes_the_cheapest_setting_that_meets_both_targets():
    runs = simulated_runs()
    grid = predict_errors(runs, 350, [100, 200, 500, 1000, 2000])
    per_config = seconds_per_configuration(runs, "dft_cost_s")
    assert per_config == {1: 2.0, 2: 20.0}
    result = plan(grid, per_config, max_energy=10.0, max_force=None)
    cand = result["candidates"]
    meets = cand[cand["upper_energy"] <= 10.0]
    assert result["choice"]["dft_cost_s"] == meets["dft_cost_s"].min()
    assert result["choice"]["train_level"] == 2       # level 1 never gets below its 20 meV/atom floor
    assert plan(grid, per_config, 10.0, None, budget_s=1.0)["choice"] is None
    assert cand["on_predicted_front"].any()


def test_paper_pilot_prints_its_score(shared, capsys):
    """The command runs on the paper's files and prints, per metric and in all, the median and
    largest error and the coverage. The paper's 3D files are the set the model was designed on:
    their score is measured by benchmarks/plan_validation.py, not locked here."""
    folder = shared / "reference/paper_2jmax6/3D_pareto"
    assert main(["plan", "--paper-dir", str(folder), "--max-pilot-size", "350",
                 "--predict-size", "9990"]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("72 predictions") and "coverage" in line
               for line in out.splitlines()), out[-2000:]


@pytest.mark.parametrize("args, message", [
    (["--max-pilot-size", "50"], "at least two training sizes"),
    (["--max-pilot-size", "350", "--confidence", "1.5"], "--confidence"),
    (["--max-pilot-size", "350", "--max-energy-rmse", "-1"], "--max-energy-rmse"),
])
def test_plan_bad_arguments_are_one_line_errors(shared, capsys, args, message):
    folder = shared / "reference/paper_2jmax6/3D_pareto"
    assert main(["plan", "--paper-dir", str(folder), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_sizes_below_a_transients_peak_are_no_candidates():
    """A curve fitted from its peak on (here 4 configurations) predicts nothing below it."""
    rows = [{"twojmax": 6, "sampler": "leverage", "train_level": "2", "energy_weight": 150.0,
             "metric": metric, "size": n, "predicted": 10.0 / n, "lower": 5.0 / n,
             "upper": 20.0 / n, "fitted_from_size": 4}
            for metric in ("energy", "force") for n in (2, 4, 8)]
    result = plan(pd.DataFrame(rows), {"2": 1.0}, max_energy=100.0, max_force=100.0)
    assert sorted(result["candidates"]["size"]) == [4, 8]
    assert result["choice"]["size"] == 4


def law_runs(seed, n_sets=6, curves=4, sizes=(20, 30, 45, 70, 100, 150, 300, 600), repeats=12,
             scatter=0.04):
    """Sweep tables of curves drawn from RMSE² = floor + amplitude·n^−exponent (one exponent per
    set, drawn in 0.3-1.2; floors and amplitudes spanning decades), repeats with log-normal
    scatter. Each set is a 2Jmax of its own."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_sets):
        exponent = rng.uniform(0.3, 1.2)
        for c in range(curves):
            floor = 10 ** rng.uniform(0, 4)
            amplitude = floor * 10 ** rng.uniform(0, 2) * sizes[0] ** exponent
            for n in sizes:
                truth = np.sqrt(floor + amplitude * n ** -exponent)
                for r in range(repeats):
                    e, f = truth * np.exp(rng.normal(0, scatter, 2))
                    rows.append({"twojmax": s, "sampler": "random", "train_level": str(c),
                                 "energy_weight": 1.0, "size": n, "repeat": r,
                                 OBJECTIVES[1]: e, OBJECTIVES[2]: f})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("pilot_sizes", [2, 3, 4])
def test_intervals_cover_curves_drawn_from_known_laws(pilot_sizes):
    """Whatever the pilot, 90 % intervals cover most of the medians the laws produce later on,
    and they widen the further the prediction reaches."""
    compared = pd.concat([backtest(law_runs(seed=seed), pilot_sizes, 0.9)
                          for seed in (pilot_sizes, 10 + pilot_sizes)]).dropna(subset=["actual"])
    assert compared["covered"].mean() >= 0.8
    width = np.log(compared["upper"] / compared["lower"])
    by_size = width.groupby(compared["size"]).median()
    assert by_size.is_monotonic_increasing


def test_two_sizes_span_every_law_through_them():
    """Through two points the laws range from the pure power law (floor 0) to one already at its
    floor; three points on one law narrow that range to about the law itself."""
    sizes, target = np.array([100.0, 200.0]), np.array([10000.0])
    medians = np.array([[20.0, 15.0]])
    lower, upper = law_range(sizes, medians, np.full((1, 2), 0.01), np.array([0]), target, 0.9)
    power = np.log(20.0 ** 2 / 15.0 ** 2) / np.log(2.0)
    power_law = 15.0 * (target[0] / 200.0) ** (-power / 2)
    # the noise of the two medians tilts the power law a little further either way
    assert 0.8 * power_law < lower[0, 0] < power_law
    assert 12.0 < upper[0, 0] <= 15.5
    three = np.array([100.0, 200.0, 400.0])
    law = np.sqrt(100.0 + 4e4 * three ** -0.7)
    lo3, hi3 = law_range(three, law[None, :], np.full((1, 3), 0.01), np.array([0]), target, 0.9)
    assert hi3[0, 0] / lo3[0, 0] < upper[0, 0] / lower[0, 0]
    assert lo3[0, 0] <= np.sqrt(100.0 + 4e4 * target[0] ** -0.7) <= hi3[0, 0]


def test_a_pilot_below_the_interpolation_size_identifies_nothing():
    """Sizes at which the fit has fewer than twice as many rows as columns are not the tail; a
    pilot made of them gets no prediction, an interval from 0 to its worst median, and the pilot
    size that would identify the curve."""
    runs = law_runs(seed=7, n_sets=1)
    predictions = predict_errors(runs, 45, [300], interpolation={0: 40.0})
    assert not predictions["identified"].any()
    assert predictions["predicted"].isna().all()
    assert (predictions["lower"] == 0).all()
    assert (predictions["identify_with_pilot_to"] >= 80).all()
    # with the interpolation size below the pilot the same curves are identified
    identified = predict_errors(runs, 45, [300], interpolation={0: 5.0})
    assert identified["identified"].all() and identified["predicted"].notna().all()


def test_a_two_size_pilot_is_not_identified_and_says_how_to_be():
    runs = law_runs(seed=3, n_sets=1)
    predictions = predict_errors(runs, 30, [600])
    assert not predictions["identified"].any()
    assert (predictions["identify_with_pilot_to"] > 30).all()
    three = predict_errors(runs, 45, [600])
    assert three["identified"].all()
    assert (np.log(predictions["upper"] / predictions["lower"]).median()
            > np.log(three["upper"] / three["lower"]).median())


def test_a_trained_familys_curves_are_curves_like_any_other():
    """A trained family's curve has no 2Jmax (the column names the family) and no interpolation
    size: it is predicted as a 2Jmax's would be, with or without interpolation sizes of the
    2Jmax beside it."""
    runs = law_runs(seed=5, n_sets=1)
    as_family = runs.assign(twojmax="mace")
    plain = predict_errors(runs, 45, [300])
    family = predict_errors(as_family, 45, [300], interpolation={0: 5.0})
    assert family["identified"].all()
    assert np.allclose(family["predicted"], plain["predicted"])
    assert set(backtest(as_family, 3)["twojmax"]) == {"mace"}
