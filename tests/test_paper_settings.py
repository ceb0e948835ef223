"""The paper's settings: Tables 4/5 on the whole training half, Bayerl et al.'s eq. 1, the claims
checked on the paper's own result files."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

from mlipcost.models.fit import residual_correlation, whole_half_fits
from mlipcost.analysis.tables import bayerl_threshold, trained_level_tables

from .test_linalg_fit import random_fit_data, weighted_system

REPO = Path(__file__).resolve().parents[1]


def test_table_4_5_fit_equals_direct_weighted_lstsq_on_the_whole_training_half():
    data = random_fit_data(n_configs=30, k=10, levels=3, seed=5)
    train, test = np.arange(0, 30, 2), np.arange(1, 30, 2)
    weights = [12.25, 150.0]
    cost = np.ones((30, 3))
    table, coefs = whole_half_fits(data, train, test, weights, "3", cost, twojmax=6)
    assert len(table) == 6 and set(table["size"]) == {15} and set(table["sampler"]) == {"whole_half"}
    for wi, weight in enumerate(weights):
        a, y = weighted_system(data, train, weight)
        direct = scipy.linalg.lstsq(a, y, cond=1e-13)[0]
        np.testing.assert_allclose(coefs[:, 3 * wi:3 * wi + 3], direct, rtol=1e-9, atol=1e-12)
        for li in range(3):
            row = table[(table["energy_weight"] == weight) & (table["train_level"] == str(li + 1))]
            e = data.energy_a[test] @ direct[:, li] - data.energy_y[test, 2]
            f = np.concatenate([data.force_a[c] @ direct[:, li] - data.force_y[c][:, 2]
                                for c in test])
            assert row["test_energy_rmse_meV_per_atom_vs_reference"].item() == pytest.approx(
                1e3 * np.sqrt(np.mean(e ** 2)), rel=1e-9)
            assert row["test_energy_rmse_shifted_meV_per_atom_vs_reference"].item() == \
                pytest.approx(1e3 * np.std(e), rel=1e-8)
            assert row["test_force_rmse_meV_per_A_vs_reference"].item() == pytest.approx(
                1e3 * np.sqrt(np.mean(f ** 2)), rel=1e-9)
            assert row["dft_cost_s"].item() == 15
    energy, force = trained_level_tables(table, {"energy_weighted": 150.0, "force_weighted": 12.25})
    assert list(energy["weighting"]) == ["energy_weighted"] * 3 + ["force_weighted"] * 3
    assert list(force["train_level"]) == ["1", "2", "3"] * 2


def test_residual_correlation_matches_numpy():
    data = random_fit_data(n_configs=40, k=8, levels=3, seed=2)
    train, test = np.arange(20), np.arange(20, 40)
    _, coefs = whole_half_fits(data, train, test, [150.0], "3", np.ones((40, 3)), twojmax=4)
    energies, table = residual_correlation(data, test, coefs, [150.0], "3")
    pred = data.energy_a[test] @ coefs[:, 0]
    dft = data.energy_y[test, 0] - data.energy_y[test, 2]
    r = np.corrcoef(dft, pred - data.energy_y[test, 2])[0, 1]
    row = table[table["train_level"] == "1"].iloc[0]
    assert row["energy_pearson_r"] == pytest.approx(r, rel=1e-10)
    fx = np.concatenate([data.force_y[c][:, 0] - data.force_y[c][:, 2] for c in test])
    fm = np.concatenate([data.force_a[c] @ coefs[:, 0] - data.force_y[c][:, 2] for c in test])
    assert row["force_pearson_r"] == pytest.approx(np.corrcoef(fx, fm)[0, 1], rel=1e-9)
    assert len(energies) == 3 * len(test)
    assert np.isnan(table[table["train_level"] == "3"]["energy_pearson_r"].item())


def test_bayerl_eq1_uses_half_the_mean_absolute_deviation_not_half_the_maximum():
    levels = ["1", "2", "3", "4", "5", "6"]
    metric = [100.0, 40.0, 30.0, 3.0, 1.0, 0.0]   # level 6 is the reference
    # ½·max = 50 would make level 1 the threshold and recommend level 2; eq. 1's ½·MAD (13.8)
    # stops at level 3, the tightest level deviating by at least that much: recommend level 4
    threshold, recommended, half_mad = bayerl_threshold(metric, levels)
    assert half_mad == pytest.approx(0.5 * np.mean(np.abs(np.array(metric) - np.mean(metric))))
    assert (threshold, recommended) == ("3", "4")
    # a flat ladder has no threshold: the cheapest level is recommended
    assert bayerl_threshold([0.0] * 6, levels) == (None, "1", 0.0)


def test_bayerl_recommendation_names_the_metric_and_the_groups():
    from mlipcost.dft.labels import Labels
    from mlipcost.analysis.tables import statistical_error_metrics

    rng = np.random.default_rng(0)
    n, atoms = 8, 2
    offsets = np.arange(0, n * atoms + 1, atoms)
    ref_f = rng.normal(size=(n * atoms, 3))

    def level(name, de, df):
        return Labels(energy=-3.0 * atoms + de * atoms * np.ones(n),
                      forces=ref_f + df * rng.normal(size=ref_f.shape),
                      stress=np.zeros((n, 6)), wall_time_s=np.ones(n), ok=np.ones(n, bool),
                      reasons=[""] * n, offsets=offsets, level=name, settings={})
    labels = [level("1", 0.5, 1.0), level("2", 0.05, 0.5), level("3", 0.0, 0.0)]
    metrics, decisions, overall = statistical_error_metrics(
        labels, "3", np.full(n, 20.0), ["hcp"] * 4 + ["surface"] * 4)
    assert set(metrics["group"]) == {"all", "hcp", "surface"}
    assert set(decisions["metric"]) == {"AEAD", "E-RMSE", "F-RMSE", "V-RMSE"}
    # forces deviate at level 2 already (½·MAD of F-RMSE is below level 2's): level 3 needed
    assert overall["recommended_level"] == "3"
    assert "F-RMSE (all)" in overall["driven_by"]


def test_bayerl_recommendation_is_the_tightest_over_every_group():
    """A small group that needs a tighter level than the whole set's average decides (Bayerl's
    conservative choice), and the table says which (group, metric) drives it."""
    from mlipcost.dft.labels import Labels
    from mlipcost.analysis.tables import statistical_error_metrics

    n, atoms, a = 16, 2, 0.1
    offsets = np.arange(0, n * atoms + 1, atoms)
    forces = np.zeros((n * atoms, 3))
    group = ["hcp"] * 15 + ["surface"]

    def level(name, de):
        return Labels(energy=(-3.0 + np.asarray(de)) * atoms, forces=forces,
                      stress=np.zeros((n, 6)), wall_time_s=np.ones(n), ok=np.ones(n, bool),
                      reasons=[""] * n, offsets=offsets, level=name, settings={})
    level2 = np.where(np.array(group) == "surface", 0.5 * a, 0.0)
    labels = [level("1", np.full(n, a)), level("2", level2), level("3", np.zeros(n))]
    _, decisions, overall = statistical_error_metrics(labels, "3", np.full(n, 20.0), group)
    e_rmse = decisions[decisions["metric"] == "E-RMSE"].set_index("group")
    assert e_rmse.loc["all", "recommended_level"] == "2"
    assert e_rmse.loc["surface", "recommended_level"] == "3"
    assert overall["recommended_level"] == "3"
    assert "E-RMSE (surface)" in overall["driven_by"]
    assert not any(d.endswith("(all)") for d in overall["driven_by"])
    assert decisions["drives_recommendation"].sum() == len(overall["driven_by"])


def test_claims_on_the_papers_own_files(shared):
    from mlipcost.analysis.claims import check_claims, paper_evidence, read_claim_texts

    texts = read_claim_texts(shared / "reference/paper_tables.yaml")
    table = check_claims(paper_evidence(shared / "reference/paper_2jmax6"), texts)
    assert len(table) == len(texts) == 8
    verdicts = dict(zip(table["claim"], table["verdict"]))
    assert "161 non-dominated of 432, 146 inside the window" in table["numbers"][0]
    assert verdicts[1] == "holds" and verdicts[8] == "holds"
    # a second 2Jmax is not in the paper's files; the 2Jmax-10 claims are tested at 2Jmax 6
    assert verdicts[6] == "not testable"
    assert "[scope: tested at 2Jmax 6" in table["numbers"][2]
    # at 2Jmax 6 the force weight does not help level 3 (16.43 vs 12.18 meV/atom)
    assert verdicts[4] == "does not hold" and "12.18" in table["numbers"][3]
    # every verdict says how it moves with its thresholds and over resampled repeats
    assert table["sensitivity"].str.contains("thresholds tried|not testable").all()
    resampled = table["holds_fraction_of_resamples"].dropna()
    assert set(resampled.index) == {0, 1, 2, 6, 7} and resampled.between(0, 1).all()


def test_tables_cli_on_the_papers_2d_file(shared, capsys):
    from mlipcost.cli import main

    assert main(["tables", "--paper-dir", str(shared / "reference/paper_2jmax6")]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if "energy_weighted" in l and l.split()[3] == "3")
    assert "12.18" in line  # level 3, energy-weighted, test vs level 6 (meV/atom)


def test_budget_bands_merge_consecutive_levels():
    from mlipcost.analysis.pareto import budget_bands

    pts = pd.DataFrame({"twojmax": 6, "train_level": ["1", "3", "3", "4", "3", "4"],
                        "dft_cost_min": [1, 2, 3, 4, 5, 6], "on_front": True,
                        "test_energy_rmse_meV_per_atom_vs_reference": [9, 8, 7, 6, 5, 4],
                        "test_force_rmse_meV_per_A_vs_reference": [9, 8, 7, 6, 5, 4]})
    bands = budget_bands(pts, "dft_cost_min")
    assert list(bands["level"]) == ["1", "3", "4", "3", "4"]
    assert list(bands["front_points"]) == [1, 2, 1, 1, 1]
    assert list(bands["cost_to"]) == [2, 4, 5, 6, 6]


def test_bulk_shift_uses_the_bulk_reference_outside_the_data():
    from mlipcost.dft.labels import Labels
    from mlipcost.analysis.tables import dft_rmsd_table

    offsets = np.arange(0, 9, 2)    # four configurations of two atoms; the last is the bulk
    forces = np.zeros((8, 3))

    def level(name, energies):
        return Labels(energy=2 * np.asarray(energies, float), forces=forces,
                      stress=np.zeros((4, 6)), wall_time_s=np.ones(4), ok=np.ones(4, bool),
                      reasons=[""] * 4, offsets=offsets, level=name, settings={})
    low, ref = level("1", [1.0, 2.0, 3.0, 0.5]), level("2", [0.0, 0.0, 0.0, 0.0])
    data = np.array([True, True, True, False])
    row = dft_rmsd_table([low, ref], "2", 3, data).iloc[0]
    assert row["n_configs"] == 3
    assert row["energy_rmsd_bulk_shifted_meV_per_atom"] == pytest.approx(
        1e3 * np.sqrt(np.mean(np.array([0.5, 1.5, 2.5]) ** 2)))


def test_dft_floor_reads_each_levels_curve_against_its_table3_rmsd(tmp_path):
    """A level whose curve is sqrt(e_ref(n)² + RMSD²) flattens at its RMSD: the floor table
    reports the largest size's error, the drop over the last doubling and the quadrature sum
    exactly, and the figure is written."""
    from mlipcost.analysis.claims import dft_floor
    from mlipcost.analysis.plots import dft_floor_plot

    sizes = [5, 10, 20, 40, 80]
    rmsd = {"1": (300.0, 900.0), "2": (30.0, 150.0)}
    weights = {"energy_weighted": 150.0, "force_weighted": 12.25}
    rows = []
    for level in ("1", "2", "3"):
        for weight in weights.values():
            for n in sizes:
                e_ref, f_ref = 400.0 / n, 4000.0 / n
                e_floor, f_floor = rmsd.get(level, (0.0, 0.0))
                e, f = np.hypot(e_ref, e_floor), np.hypot(f_ref, f_floor)
                rows.append({"twojmax": 4, "train_level": level, "sampler": "leverage",
                             "energy_weight": weight, "size": n,
                             "test_energy_rmse_meV_per_atom_vs_reference": e,
                             "test_energy_rmse_meV_per_atom_vs_reference_p16": 0.9 * e,
                             "test_energy_rmse_meV_per_atom_vs_reference_p84": 1.1 * e,
                             "test_force_rmse_meV_per_A_vs_reference": f,
                             "test_force_rmse_meV_per_A_vs_reference_p16": 0.9 * f,
                             "test_force_rmse_meV_per_A_vs_reference_p84": 1.1 * f})
    summary = pd.DataFrame(rows)
    table3 = pd.DataFrame({"level": [1, 2], "energy_rmsd_meV_per_atom": [300.0, 30.0],
                           "force_rmsd_meV_per_A": [900.0, 150.0]})
    floor = dft_floor(summary, table3, ["1", "2", "3"], weights, "leverage").set_index(
        "train_level")
    one = floor.loc["1"]
    assert one["energy_size_largest"] == 80 and one["energy_size_half"] == 40
    assert one["energy_test_meV_per_atom_at_largest"] == pytest.approx(np.hypot(5.0, 300.0))
    assert one["energy_drop_over_last_doubling_pct"] == pytest.approx(
        100 * (1 - np.hypot(5.0, 300.0) / np.hypot(10.0, 300.0)))
    assert one["energy_quadrature_sum_meV_per_atom"] == pytest.approx(np.hypot(300.0, 5.0))
    assert one["force_test_over_dft_rmsd"] == pytest.approx(np.hypot(50.0, 900.0) / 900.0)
    assert floor.loc["3", "energy_dft_rmsd_meV_per_atom"] == 0.0
    assert np.isnan(floor.loc["3", "force_test_over_dft_rmsd"])
    # the reference level falls by half over the last doubling; level 1 by well under 1 %
    assert floor.loc["3", "force_drop_over_last_doubling_pct"] == pytest.approx(50.0)
    assert one["force_drop_over_last_doubling_pct"] < 1.0
    dft_floor_plot(summary, floor.reset_index(), ["1", "2", "3"], "leverage",
                   tmp_path / "floor.png")
    # a table weight the sweep lacks: its nearest swept weight, named
    other = dft_floor(summary, table3, ["1", "2", "3"], {"energy_weighted": 100.0,
                                                         "force_weighted": 10.0}, "leverage")
    assert set(other["energy_panel_energy_weight"]) == {150.0}
    assert set(other["force_panel_energy_weight"]) == {12.25}
    assert (tmp_path / "floor.png").stat().st_size > 0 and (tmp_path / "floor.pdf").exists()


def test_paper_configs_repeat_each_size_as_the_papers_files_do(shared):
    """config/paper.yaml and paper_from_data.yaml fit as many repeats at each size as the
    paper's 3D_pareto files hold (50, then 35, 25 and 1 at its three largest sizes)."""
    import yaml

    from mlipcost.analysis.pareto import read_paper_3d

    files = read_paper_3d(shared / "reference/paper_2jmax6/3D_pareto")
    in_files = (files.groupby("size")["repeat"].max() + 1).to_dict()
    for name in ("paper.yaml", "paper_from_data.yaml"):
        fit = yaml.safe_load((REPO / "config" / name).read_text())["fit"]
        fewer = {e["size"]: e["repeats"] for e in fit.get("repeats_at_sizes", [])}
        configured = {n: fewer.get(n, fit["repeats"]) for n in fit["training_sizes"]}
        assert configured == in_files, name
