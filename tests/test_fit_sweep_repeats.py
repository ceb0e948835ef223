"""Fewer repeats at some sizes (fit.repeats_at_sizes, the paper's 35/25/1 at its largest sizes):
the rows of the other sizes are unchanged, the named sizes keep their first repeats only."""

import numpy as np

from mlipcost.models.fit import FitData, fit_sweep


def _problem(n=40, k=5, atoms=3, seed=0):
    rng = np.random.default_rng(seed)
    energy_a = rng.normal(size=(n, k))
    force_a = [rng.normal(size=(3 * atoms, k)) for _ in range(n)]
    beta = rng.normal(size=k)
    energy_y = np.stack([energy_a @ beta + rng.normal(scale=s, size=n) for s in (0.1, 0.0)], 1)
    force_y = [np.stack([a @ beta + rng.normal(scale=s, size=len(a)) for s in (0.1, 0.0)], 1)
               for a in force_a]
    return FitData(energy_a, energy_y, force_a, force_y, ["1", "2"], np.arange(n))


def test_repeats_at_sizes_keeps_the_first_repeats_of_those_sizes():
    data = _problem()
    train, test = np.arange(20), np.arange(20, 40)
    common = dict(samplers=["random", "leverage"], sizes=[6, 10, 20], energy_weights=[1.0, 10.0],
                  repeats=4, seed=3, scores={"leverage": np.linspace(0.1, 1, 20)},
                  reference_level="2", cost_s=np.ones((40, 2)), twojmax=2)
    full = fit_sweep(data, train, test, **common)
    fewer = fit_sweep(data, train, test, **common, repeats_at_sizes={10: 2, 20: 1})
    keep = (full["size"] == 6) | ((full["size"] == 10) & (full["repeat"] < 2)) | (
        (full["size"] == 20) & (full["repeat"] < 1))
    expected = full[keep].reset_index(drop=True)
    got = fewer.reset_index(drop=True)
    assert len(got) == len(expected)
    cols = [c for c in full.columns if c.endswith("vs_reference") or c in ("size", "repeat")]
    np.testing.assert_allclose(got[cols].to_numpy(float), expected[cols].to_numpy(float),
                               rtol=1e-12)
    assert got.groupby("size")["repeat"].nunique().to_dict() == {6: 4, 10: 2, 20: 1}
