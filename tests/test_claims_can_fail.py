"""Each claim's test can fail for what the claim denies, on small synthetic evidence: the
reference level spread over the front, energies a low level does not predict, block leverage
as the better force sampler, a claim stated for 2Jmax 10 tested at the data's largest; and
every verdict carries its sensitivity and its stability over resampled repeats."""

import numpy as np
import pandas as pd

from mlipcost.analysis.claims import (E_REF, F_REF, FAILS, HOLDS, Evidence, check_claims,
                                      claim_force_weight_helps_low_levels,
                                      claim_leverage_needs_fewer, claim_low_levels_predict_reference,
                                      claim_reference_only_at_edge)

LEVELS = ["1", "2", "3", "4", "5", "6"]


def _front(levels_by_error):
    """Front points, most accurate first, with the given training levels."""
    n = len(levels_by_error)
    return pd.DataFrame({"twojmax": 6, "train_level": levels_by_error, "sampler": "leverage",
                         "size": 100, "energy_weight": 150.0,
                         "dft_cost_min": np.linspace(100, 1, n), E_REF: np.linspace(1, 50, n),
                         F_REF: np.linspace(10, 500, n), "on_front": True})


def _evidence(points=None, whole=None, samplers=None):
    return Evidence(source="synthetic", levels=LEVELS, points=points if points is not None
                    else _front(["6"] + ["3"] * 19), whole_half=whole, samplers=samplers)


def test_claim2_fails_when_the_reference_is_spread_over_the_front():
    at_edge = _front(["6", "6"] + ["4"] * 18)
    spread = _front(["6"] + ["4"] * 9 + ["6"] + ["3"] * 9)
    assert claim_reference_only_at_edge(_evidence(at_edge))[0] == HOLDS
    verdict, numbers = claim_reference_only_at_edge(_evidence(spread))
    assert verdict == FAILS and "1 of level 6's 2 front points" in numbers


def _whole_half(energy_ref, energy_own, force_ref, force_own, twojmax=6):
    rows = []
    for weight in (150.0, 12.25):
        for i, level in enumerate(LEVELS):
            rows.append({"twojmax": twojmax, "train_level": level, "energy_weight": weight,
                         E_REF: energy_ref[i], "test_energy_rmse_meV_per_atom_vs_train_level":
                         energy_own[i], F_REF: force_ref[i],
                         "test_force_rmse_meV_per_A_vs_train_level": force_own[i]})
    return pd.DataFrame(rows)


def test_claim5_judges_energies_as_well_as_forces():
    good_forces = ([5] * 6, [5] * 6, [100] * 6, [120] * 6)
    assert claim_low_levels_predict_reference(_evidence(whole=_whole_half(*good_forces)))[0] == HOLDS
    # forces better against the reference, energies worse: the claim does not hold
    worse_energy = ([9] * 6, [5] * 6, [100] * 6, [120] * 6)
    verdict, numbers = claim_low_levels_predict_reference(_evidence(whole=_whole_half(*worse_energy)))
    assert verdict == FAILS and "energies (unshifted): 0 of 6" in numbers


def test_claim4_is_tested_at_the_largest_2jmax_and_says_so():
    # force-weighted better at 2Jmax 6, worse at 2Jmax 4: the claim (about 2Jmax 10) is tested at 6
    helps = _whole_half([10] * 6, [10] * 6, [1] * 6, [1] * 6, twojmax=6)
    helps.loc[helps["energy_weight"] == 12.25, E_REF] = 8.0
    hurts = _whole_half([10] * 6, [10] * 6, [1] * 6, [1] * 6, twojmax=4)
    hurts.loc[hurts["energy_weight"] == 12.25, E_REF] = 12.0
    verdict, numbers = claim_force_weight_helps_low_levels(_evidence(whole=pd.concat([helps, hurts])))
    assert verdict == HOLDS and "2Jmax 4" not in numbers
    assert "[scope: tested at 2Jmax 6" in numbers


def _curves(ratio_lev_e, ratio_lev_f, ratio_blk_e, ratio_blk_f):
    """Median learning curves err(n) = floor + a/n; a sampler that needs k times fewer
    configurations reaches err at n/k."""
    sizes = np.array([10, 20, 50, 100, 200, 500, 1000, 2000])
    rows = []
    for sampler, (ke, kf) in {"random": (1, 1), "leverage": (ratio_lev_e, ratio_lev_f),
                              "block_leverage": (ratio_blk_e, ratio_blk_f)}.items():
        for n in sizes:
            rows.append({"twojmax": 6, "sampler": sampler, "size": n,
                         E_REF: 5.0 + 2000.0 / (ke * n), F_REF: 100.0 + 20000.0 / (kf * n)})
    return pd.DataFrame(rows)


def test_claim7_takes_the_better_leverage_kind_per_quantity():
    # regular leverage: 8x for energies, 1x for forces; block leverage: 1x and 6x
    verdict, numbers = claim_leverage_needs_fewer(_evidence(samplers=_curves(8, 1, 1, 6)))
    assert verdict == HOLDS and "(block_leverage)" in numbers
    verdict, _ = claim_leverage_needs_fewer(_evidence(samplers=_curves(8, 1, 1, 1)))
    assert verdict == FAILS


def test_verdicts_carry_sensitivity_and_bootstrap_stability():
    rng = np.random.default_rng(0)
    rows = []
    for level, cost in (("3", 1.0), ("6", 10.0)):
        for size in (10, 20, 40):
            for repeat in range(8):
                rows.append({"twojmax": 6, "train_level": level, "sampler": "leverage",
                             "size": size, "energy_weight": 150.0, "repeat": repeat,
                             "dft_cost_min": cost * size,
                             E_REF: (30 if level == "3" else 10) * 10 / size + rng.normal(0, 0.1),
                             F_REF: (300 if level == "3" else 100) * 10 / size + rng.normal(0, 1)})
    reps = pd.DataFrame(rows)
    from mlipcost.analysis.claims import _front_points
    ev = Evidence(source="synthetic", levels=["3", "6"], points=_front_points(reps),
                  whole_half=None, samplers=None, point_repeats=reps)
    table = check_claims(ev, bootstrap=20)
    row = table[table["claim"] == 2].iloc[0]
    assert "thresholds tried" in row["sensitivity"]
    assert 0.0 <= row["holds_fraction_of_resamples"] <= 1.0
    assert "of 20 bootstrap resamples" in row["stability"]
    assert table.loc[table["claim"] == 4, "stability"].iloc[0].startswith("n/a")
