"""Adaptive labelling on a synthetic ladder: linear descriptors, levels whose labels differ from
the reference by a fixed per-level error, costs rising with precision."""

import numpy as np
import pandas as pd
import pytest

from mlipcost.plan.adaptive import AdaptiveSettings, Problem, curve_sizes, run_adaptive
from mlipcost.models.fit import FitData

LEVEL_ERROR = {"1": 0.08, "2": 0.02, "3": 0.004}     # eV/atom and eV/Å, vs the reference "4"
LEVEL_COST = {"1": 1.0, "2": 2.0, "3": 4.0, "4": 40.0}


def synthetic_problem(n_train=300, n_test=120, k=12, seed=0) -> Problem:
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    truth = rng.normal(size=k)
    levels = list(LEVEL_COST)
    energy_a = rng.normal(size=(n, k))
    force_a = [rng.normal(size=(6, k)) for _ in range(n)]
    # each level: the reference plus its own configuration-dependent error, the same for every
    # fit (a DFT error is a property of the configuration), plus a little noise
    energy_y = np.stack([energy_a @ truth + LEVEL_ERROR.get(lv, 0.0) * rng.normal(size=n)
                         + 0.001 * rng.normal(size=n) for lv in levels], axis=1)
    force_y = [np.stack([a @ truth + LEVEL_ERROR.get(lv, 0.0) * rng.normal(size=6)
                         + 0.001 * rng.normal(size=6) for lv in levels], axis=1) for a in force_a]
    data = FitData(energy_a, energy_y, force_a, force_y, levels, np.arange(n))
    order = rng.permutation(n_train)
    validation = n_train + np.arange(40)
    check = n_train + np.arange(40, n_test)
    cost = np.tile([LEVEL_COST[lv] for lv in levels], (n, 1))
    # two "2Jmax": the same columns, the tail from twice the interpolation size (k / 7 rows)
    return Problem({2: data}, levels, order, validation, check, cost, {2: 2 * k / 7})


def settings(energy, force):
    return AdaptiveSettings(targets={"energy": energy, "force": force},
                            energy_weights=[1.0, 10.0], validation_size=40, n_resamples=50)


def pool_cost(problem):
    return problem.cost_s[problem.order].sum()


def test_a_reachable_target_stops_early_at_a_cheap_level():
    problem = synthetic_problem()
    out = run_adaptive(problem, settings(30.0, 30.0), "4", log=lambda *_: None)
    result = out["outcome"]
    assert result["status"] == "reached"
    assert result["train_level"] in ("2", "3")           # level 1's error is 80 meV
    # the check set, which no decision saw, agrees with the validation set
    assert result["check_energy"] < 1.3 * 30.0
    # far less than labelling the pool at every level
    assert result["spent_s"] < 0.5 * pool_cost(problem)
    # every round labels a prefix that grows
    sizes = out["decisions"]["size"].to_numpy()
    assert (np.diff(sizes) >= 0).all()


def test_a_target_below_the_reference_noise_is_declared_out_of_reach_before_buying():
    # the reference labels carry 1 meV of noise no model can fit: 0.1 meV is out of reach, and
    # the validation set (280 rows, 12 columns) says so before any training label is bought
    problem = synthetic_problem()
    out = run_adaptive(problem, settings(0.1, 0.1), "4", log=lambda *_: None)
    assert out["outcome"]["status"] == "out of reach"
    assert out["outcome"]["before_buying"]
    assert out["outcome"]["spent_s"] == out["outcome"]["validation_labels_s"]
    assert "check_energy" not in out["outcome"]
    assert out["bounds"]["out_of_reach"].all()


def test_the_reach_bound_lies_below_the_noise_floor_at_its_confidence():
    """The in-sample loss of least squares bounds the population's best loss from below: on
    synthetic regressions with known noise, the lower confidence bound falls below the noise
    variance in at least the confidence's share of draws, and it is not vacuous."""
    from mlipcost.plan.adaptive import loss_lower_bound

    rng = np.random.default_rng(3)
    sigma, n, k, confidence = 0.3, 60, 8, 0.9
    below, ratios = 0, []
    for _ in range(300):
        x = rng.normal(size=(n, k))
        y = x @ rng.normal(size=k) + sigma * rng.normal(size=n)
        residual = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
        bound = loss_lower_bound((residual ** 2)[:, None], confidence, 200, rng)[0]
        below += bound <= sigma ** 2
        ratios.append(bound / sigma ** 2)
    assert below / 300 >= confidence
    assert 0.5 < np.median(ratios) < 1.0


def test_a_reachable_target_is_never_ruled_out_by_the_bound():
    problem = synthetic_problem()
    out = run_adaptive(problem, settings(30.0, 30.0), "4", log=lambda *_: None)
    assert not out["bounds"]["out_of_reach"].any()
    assert out["outcome"]["twojmax_out_of_reach"] == []


def test_the_reference_level_enters_only_when_no_cheaper_level_can():
    problem = synthetic_problem()
    out = run_adaptive(problem, settings(2.5, 2.5), "4", log=lambda *_: None)
    levels = out["decisions"]["levels"]
    first_with_reference = levels.str.contains("4").to_numpy()
    if first_with_reference.any():
        # once the reference is in, it is the only level left
        assert (levels[first_with_reference] == "4").all()
    assert not levels.iloc[0].__contains__("4")


def test_curve_sizes_start_in_the_tail_and_end_at_the_largest():
    assert curve_sizes(7.5, 41, 1.5) == [8, 12, 18, 27, 41]
    assert curve_sizes(7.5, 8, 1.5) == [8]
    with pytest.raises(ValueError):
        run_adaptive(synthetic_problem(), settings(1, 1), "missing", log=lambda *_: None)


def replay_in_rounds(problem, targets, max_rounds=50):
    """The workflow's way: start with no label at hand, replay the plan, label what it asks
    for, and again, until it decides; costs are unknown until labelled."""
    from dataclasses import replace

    labelled = np.zeros(problem.cost_s.shape, bool)
    labelled[problem.check, -1] = True            # the check set, to compare its errors too
    requests = []
    for _ in range(max_rounds):
        seen = replace(problem, labelled=labelled.copy(),
                       cost_s=np.where(labelled, problem.cost_s, np.nan))
        out = run_adaptive(seen, settings(*targets), "4", log=lambda *_: None)
        if out["outcome"]["status"] != "labels needed":
            return out, requests
        purchases = out["outcome"]["purchases"]
        requests.append(purchases)
        for level, rows in purchases.items():
            assert not labelled[rows, problem.levels.index(level)].any()   # never asked twice
            labelled[rows, problem.levels.index(level)] = True
    raise AssertionError("the plan did not decide")


@pytest.mark.parametrize("targets", [(30.0, 30.0), (2.5, 2.5), (0.1, 0.1)])
def test_buying_round_by_round_decides_what_the_plan_decides_with_every_label_at_hand(targets):
    problem = synthetic_problem()
    offline = run_adaptive(problem, settings(*targets), "4", log=lambda *_: None)
    replayed, requests = replay_in_rounds(problem, targets)
    assert replayed["outcome"].keys() == offline["outcome"].keys()
    for key, value in offline["outcome"].items():
        if isinstance(value, float):
            assert replayed["outcome"][key] == pytest.approx(value, rel=1e-9), key
        else:
            assert replayed["outcome"][key] == value, key
    pd.testing.assert_frame_equal(replayed["decisions"], offline["decisions"])
    # what the rounds asked for is what the plan spent: the validation set first, alone
    assert set(requests[0]) == {"4"}
    assert sorted(requests[0]["4"]) == sorted(problem.validation.tolist())
    asked = sum(problem.cost_s[rows, problem.levels.index(lv)].sum()
                for r in requests for lv, rows in r.items())
    assert asked == pytest.approx(offline["outcome"]["spent_s"])


def test_a_level_nothing_was_bought_at_costs_the_dearest_rate_known():
    from mlipcost.plan.adaptive import estimated_costs

    problem = synthetic_problem()
    bought = {lv: np.zeros(len(problem.cost_s), bool) for lv in problem.levels}
    bought["1"][:10] = True
    bought["4"][problem.validation] = True
    estimate = estimated_costs(problem, bought)
    assert (estimate[:, 0] == 1.0).all() and (estimate[:, 3] == 40.0).all()
    assert (estimate[:, 1] == 40.0).all()          # unknown: the dearest known rate


def test_a_budget_is_never_overspent_and_stops_the_plan_when_it_cannot_reach():
    problem = synthetic_problem()
    free = run_adaptive(problem, settings(30.0, 30.0), "4", log=lambda *_: None)["outcome"]
    # enough for the validation set and a little more, not for what reaching the targets costs
    tight = settings(30.0, 30.0)
    tight.budget_s = free["validation_labels_s"] + 0.5 * (free["spent_s"] - free["validation_labels_s"])
    out = run_adaptive(problem, tight, "4", log=lambda *_: None)
    assert out["outcome"]["status"] in ("over budget", "out of reach within the budget")
    assert out["outcome"]["spent_s"] <= tight.budget_s
    roomy = settings(30.0, 30.0)
    roomy.budget_s = 10 * free["spent_s"]
    roomy_outcome = run_adaptive(problem, roomy, "4", log=lambda *_: None)["outcome"]
    assert {k: v for k, v in roomy_outcome.items() if k != "twojmax_out_of_reach"} == \
        pytest.approx({k: v for k, v in free.items() if k != "twojmax_out_of_reach"})
