"""Learning curves from a pilot: the fit's algebra on curves with known parameters,
its intervals on simulated repeats, the plan, and the paper's own files as the acceptance."""

import numpy as np
import pandas as pd
import pytest

from mlipcost.cli import main
from mlipcost.pareto import OBJECTIVES
from mlipcost.plan import (_fit_floor_amplitude, compare_with_actual, curve_value, fit_curves,
                           plan, predict_errors, seconds_per_configuration)

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
    compared = compare_with_actual(predict_errors(runs, 350, [500, 1000], n_boot=50), runs)
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
    grid = predict_errors(runs, 350, [100, 200, 500, 1000, 2000], n_boot=20)
    per_config = seconds_per_configuration(runs, "dft_cost_s")
    assert per_config == {1: 2.0, 2: 20.0}
    result = plan(grid, per_config, max_energy=10.0, max_force=None)
    cand = result["candidates"]
    meets = cand[cand["upper_energy"] <= 10.0]
    assert result["choice"]["dft_cost_s"] == meets["dft_cost_s"].min()
    assert result["choice"]["train_level"] == 2       # level 1 never gets below its 20 meV/atom floor
    assert plan(grid, per_config, 10.0, None, budget_s=1.0)["choice"] is None
    assert cand["on_predicted_front"].any()


def test_paper_pilot_predicts_the_full_training_half(shared, capsys):
    """The plan's design target on the paper's 2Jmax-6 files: fitted on sizes <= 350, predicted at
    9,990 for all 36 (level, energy weight) pairs, energy and force. Measured: median 2.0 %,
    largest 11.8 % (level 2, energy weight 300, forces: a pilot curve that rises then falls,
    fitted from its peak on; 38 % when it shared the others' law), 100 % of the 90 % intervals
    cover."""
    folder = shared / "reference/paper_2jmax6/3D_pareto"
    assert main(["plan", "--paper-dir", str(folder), "--max-pilot-size", "350",
                 "--predict-size", "9990"]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.startswith("72 predictions")]
    assert last, out[-2000:]
    numbers = [float(x) for x in last[0].split(":")[1].replace("%", "").replace(",", " ").split()
               if x.replace(".", "").isdigit()]
    median, largest, coverage = numbers
    assert median <= 3.0
    assert coverage >= 90.0
    assert largest <= 15.0


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
