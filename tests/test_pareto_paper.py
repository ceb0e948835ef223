"""The paper's own 2Jmax-6 result files: its Pareto rule must give its published counts."""

from mlipcost.analysis.pareto import budget_bands, non_dominated, paper_front


def test_strict_dominance_rule():
    import numpy as np
    pts = np.array([[1, 1, 1], [2, 2, 2], [1, 2, 2], [0.5, 3, 3]])
    # [2,2,2] is beaten strictly by [1,1,1]; [1,2,2] ties on cost, so it survives
    assert non_dominated(pts).tolist() == [True, False, True, True]


def test_paper_front_counts(shared):
    front = paper_front(shared / "reference/paper_2jmax6/3D_pareto")
    assert len(front) == 432
    on = front[front["on_front"]]
    assert len(on) == 161
    window = on[(on["test_energy_rmse_meV_per_atom_vs_reference"] <= 22)
                & (on["test_force_rmse_meV_per_A_vs_reference"] <= 200)]
    assert len(window) == 146
    assert set(window["train_level"]) == {3, 4, 5, 6}
    low = on[on["train_level"].isin([1, 2])]
    # levels 1 and 2 survive only as the cheapest, least accurate corner
    assert low["dft_cost_min"].max() < window["dft_cost_min"].min()
    bands = budget_bands(front, "dft_cost_min")
    # consecutive front points of one level form a band; the cheapest is level 1, the dearest 6
    assert bands["front_points"].sum() == 161
    assert bands["level"].iloc[0] == "1" and bands["level"].iloc[-1] == "6"
    assert (bands["cost_from"].diff().dropna() > 0).all()


def test_recommend_on_the_papers_files(shared):
    from mlipcost.analysis.pareto import recommend

    front = paper_front(shared / "reference/paper_2jmax6/3D_pareto")
    result = recommend(front, 300, max_energy=12, max_force=200)
    choice = result["choice"]
    assert choice["dft_cost_min"] <= 300
    assert choice["test_energy_rmse_meV_per_atom_vs_reference"] <= 12
    assert choice["test_force_rmse_meV_per_A_vs_reference"] <= 200
    meeting = front[front["on_front"]
                    & (front["test_energy_rmse_meV_per_atom_vs_reference"] <= 12)
                    & (front["test_force_rmse_meV_per_A_vs_reference"] <= 200)]
    assert choice["dft_cost_min"] == meeting["dft_cost_min"].min()
    assert result["best_within_double"]["test_energy_rmse_meV_per_atom_vs_reference"] <= \
        result["best_within_budget"]["test_energy_rmse_meV_per_atom_vs_reference"]
    none = recommend(front, 1.0, max_energy=1.0)
    assert none["choice"] is None and none["cheapest_meeting"] is None


def test_weak_dominance_handles_ties():
    import numpy as np
    pts = np.array([[1, 1, 1, 5], [2, 2, 2, 5]])
    # the same MD cost (4th objective): strictly, neither beats the other; weakly, the first does
    assert non_dominated(pts, strict=True).tolist() == [True, True]
    assert non_dominated(pts, strict=False).tolist() == [True, False]


def test_recommend_on_workflow_summary_with_md_speed():
    import pandas as pd

    from mlipcost.analysis.pareto import recommend

    summary = pd.DataFrame({
        "twojmax": [4, 4, 6, 6], "train_level": ["3", "5", "3", "5"], "sampler": "leverage",
        "size": [100, 100, 100, 100], "energy_weight": 150.0,
        "dft_cost_min": [10.0, 80.0, 10.0, 80.0],
        "test_energy_rmse_meV_per_atom_vs_reference": [9.0, 6.0, 7.0, 4.0],
        "test_force_rmse_meV_per_A_vs_reference": [150.0, 120.0, 140.0, 100.0],
        "md_atom_timesteps_per_s": [4e5, 4e5, 1e5, 1e5],
        "on_front_all_2jmax": True})
    fast = recommend(summary, 100, max_energy=8, min_md_speed=2e5, front_col="on_front_all_2jmax")
    assert fast["choice"]["twojmax"] == 4 and fast["choice"]["train_level"] == "5"
    cheap = recommend(summary, 100, max_energy=8, front_col="on_front_all_2jmax")
    assert cheap["choice"]["twojmax"] == 6 and cheap["choice"]["dft_cost_min"] == 10.0
