"""`mlipcost estimate`: the work counted from a config, the resources the scattered
rules ask for, and the command on the paper's config."""

from pathlib import Path

import pytest
import yaml

from mlipcost.cli import main
from mlipcost.models.cost_model import (Problem, Rates, descriptor_job, estimate, job_resources,
                                        sweep_job)
from mlipcost.descriptors.snap import SnapSettings

PAPER_CONFIG = Path(__file__).resolve().parents[1] / "config/paper.yaml"
PAPER = yaml.safe_load(PAPER_CONFIG.read_text())
RATES = Rates({4: 2e-4, 6: 1e-3, 8: 2.5e-3, 10: 8e-3}, 1e10, 1.5e10)


def test_the_paper_problem_is_counted_from_its_config():
    p = Problem.of(PAPER)
    assert p.n_configs == 20001                  # 20,000 and the bulk reference
    assert (p.n_train, p.n_test) == (10001, 10000)
    assert p.atoms == 50.0 and p.rows_per_config == 151.0
    assert (p.levels, p.max_size, p.samplers, p.repeats, p.repeats_per_job, p.parts) == \
        (6, 9990, 3, 50, 5, 16)


def test_stage_work_follows_the_model():
    p = Problem.of(PAPER)
    table = estimate(PAPER, RATES).set_index("stage")
    k10 = SnapSettings(twojmax=10).n_columns
    assert k10 == 4277
    row = table.loc["descriptors 2Jmax 10"]
    assert row["jobs"] == 16
    assert row["hours"] == pytest.approx(20001 * 50 * 8e-3 / 3600)
    assert row["disk_GB"] == pytest.approx(20001 * 151 * (k10 + 2) * 8 / 1e9)
    sweep = table.loc["fit_sweep 2Jmax 10"]
    assert sweep["jobs"] == 3 * 10
    k = k10 + 6
    sizes = [100, 200, 350, 500, 750, 1000, 1500, 2250, 3000, 5000, 7500, 9990]
    fewer = {5000: 35, 7500: 25, 9990: 1}

    def solve(n):   # every weight from one factorization (rows > K at every paper size)
        m_e = min(n, k)
        return k ** 3 / 3 + m_e * k * k + 4 * m_e ** 2 * k + 8 * m_e ** 3 + 6 * 2 * k * m_e

    def ordering_s(fitted, folded):   # it grows to its largest fitted size
        rows = max(fitted) * 151
        grow = 2 * rows * k ** 2 / 1e10 if folded else \
            rows * k ** 2 / 1.5e10 + len(fitted) * 4 / 3 * k ** 3 / 1e10
        return grow + sum(solve(n) for n in fitted) / 1e10

    fitted = [[n for n in sizes if repeat < fewer.get(n, 50)] for repeat in range(50)]
    per_ordering = sum(ordering_s(f, folded=False) for f in fitted) / 50
    # every job whitens the training half; the sweep's first ordering is folded row by row
    whitening = 10001 * 151 * k ** 2 / 1.5e10
    first = ordering_s(fitted[0], True) - ordering_s(fitted[0], False)
    halves = 2 * 20001 * 151 * k ** 2
    # the scattered sweep's 30 blocks share one R of both halves
    assert sweep["hours"] == pytest.approx((30 * (5 * per_ordering + whitening) + first) / 3600)
    assert "GB of whitened rows in each job's TMPDIR" in sweep["basis"]
    assert table.loc["sweep_halves 2Jmax 10", "hours"] == pytest.approx(halves / 1e10 / 3600)
    assert table.loc["label_chunk level 6", "hours"] == pytest.approx(996.14 * 20001 / 3600)
    assert table.loc["label_chunk level 6", "unit"] == "GPU"
    # work grows as K² per row: 2Jmax 10 costs ~(4283/1601)² of 2Jmax 8 per ordering
    ratio = sweep_job(PAPER, 10, RATES, p)["core_s"] / sweep_job(PAPER, 8, RATES, p)["core_s"]
    assert 6 < ratio < 10


def test_resources_have_floors_and_scale_with_threads():
    small = job_resources({"core_s": 1.0, "mem_bytes": 1e6}, threads=1)
    assert small == {"runtime": 10, "mem_mb": 1000}
    big = {"core_s": 36000.0, "mem_bytes": 4e9}
    assert job_resources(big, threads=1)["runtime"] == 1800
    assert job_resources(big, threads=8)["runtime"] == 225
    assert job_resources(big, threads=8)["mem_mb"] == 6000
    part = descriptor_job(PAPER, 10, RATES)
    assert part["mem_bytes"] == pytest.approx(2 * 65536 * 4277 * 8 + 0.3e9)


def test_estimate_command_on_the_paper_config(capsys):
    assert main(["estimate", "--configfile", str(PAPER_CONFIG), "--rate-seconds", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "20001 configurations of 50 atoms" in out
    assert "descriptors 2Jmax 10" in out and "fit_sweep 2Jmax 10" in out
    assert "total GPU-hours: 6,336" in out
    disk = float(out.split("total disk: ")[1].split()[0].replace(",", ""))
    assert disk == pytest.approx(sum(20001 * 151 * (SnapSettings(twojmax=j).n_columns + 2) * 8
                                     for j in (4, 6, 8, 10)) / 1e9, rel=1e-3)


def test_estimate_names_a_missing_config(capsys):
    assert main(["estimate", "--configfile", "nowhere.yaml"]) == 2
    assert "--configfile nowhere.yaml: no such file" in capsys.readouterr().err
