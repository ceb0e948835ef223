"""Regenerating from published multi-level data: the paper's pandas HDF formats and extxyz."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from ase.calculators.lj import LennardJones

from mlipcost.structures.importers import UntrustedFileError, read_structures_file
from mlipcost.dft.labels import read_labels
from mlipcost.structures.configurations import generate_crystals, split_train_test

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
SECONDS = {"1": 8.33, "2": 10.02, "3": 14.80}


def write_paper_files(folder: Path, n=12, wrong_atoms_in=None):
    """Be_structures.h5 and Be_prec_{1..3}.h5 as the paper stores them (ids 100, 101, ...)."""
    structures = generate_crystals("Be", n, 2, 4, seed=4)
    atoms = [structures.atoms(i) for i in range(n)]
    ids = 100 + np.arange(n)
    pd.DataFrame({"ASEatoms": atoms}, index=ids).to_hdf(folder / "Be_structures.h5", key="df")
    labels = {}
    for level, sigma in (("1", 1.0), ("2", 1.05), ("3", 1.1)):
        rows = []
        for i, a in zip(ids, atoms):
            a = a.copy()
            a.calc = LennardJones(sigma=1.8 * sigma, epsilon=0.5, rc=4.0)
            forces = a.get_forces()
            if wrong_atoms_in == (level, i):
                forces = forces[:-1]
            rows.append({"index": int(i), "energy": a.get_potential_energy(), "forces": forces,
                         "stress": a.get_stress(voigt=False)})
        df = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # unordered, as on disk
        df.to_hdf(folder / f"Be_prec_{level}.h5", key="df")
        labels[level] = {r["index"]: r for r in rows}
    return labels


def config_for(folder: Path) -> dict:
    return {
        "element": "Be",
        "structures": {"source": "paper_hdf", "path": str(folder / "Be_structures.h5"),
                       "trusted": True, "min_distance_A": 0.5, "volume_per_atom_A3": [2.0, 40.0]},
        "split": {"test_fraction": 0.5, "seed": 58, "method": "python_random"},
        "dft": {"code": "vasp", "max_failed_fraction": 0.0, "levels": [
            {"name": lvl, "cutoff_eV": 300 + 100 * k, "kspacing_per_A": None,
             "seconds_per_config": SECONDS[lvl],
             "labels_from": {"path": str(folder / f"Be_prec_{lvl}.h5"), "format": "paper_hdf",
                             "trusted": True}}
            for k, lvl in enumerate(SECONDS)]},
        "descriptors": {"twojmax": [2]},
        "fit": {"reference_level": "3", "energy_weights": [1, 150], "training_sizes": [3, 6],
                "samplers": ["random", "leverage"], "repeats": 2},
        "pareto": {"cost": "configured"},
    }


def run_workflow(folder: Path, config: dict):
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config/config.yaml").write_text(yaml.safe_dump(config))
    return subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--cores", "2", "-q"],
                          cwd=folder, capture_output=True, text=True, timeout=900)


def test_paper_format_runs_to_the_pareto_table_without_dft(tmp_path):
    labels = write_paper_files(tmp_path)
    proc = run_workflow(tmp_path, config_for(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert not (tmp_path / "results/dft").exists()  # no DFT job ran
    for level in SECONDS:
        lab = read_labels(tmp_path / f"results/labels/level{level}.h5")
        for k, config_id in enumerate(100 + np.arange(12)):
            expected = labels[level][config_id]
            assert lab.energy[k] == pytest.approx(expected["energy"], abs=1e-12)
            np.testing.assert_allclose(lab.config_forces(k), expected["forces"], atol=1e-12)
    sweep = pd.read_csv(tmp_path / "results/sweep/2J2.csv")
    for level, seconds in SECONDS.items():
        sel = sweep[sweep["train_level"].astype(str) == level]
        np.testing.assert_allclose(sel["dft_cost_s"], seconds * sel["size"])
    assert (tmp_path / "results/pareto/front.csv").stat().st_size > 0
    ladder = pd.read_csv(tmp_path / "results/tables/table1_ladder.csv")
    assert list(ladder["cost_source"]) == ["configured"] * 3


def test_mismatched_atom_count_names_the_configuration(tmp_path):
    write_paper_files(tmp_path, wrong_atoms_in=("2", 105))
    proc = run_workflow(tmp_path, config_for(tmp_path))
    assert proc.returncode != 0
    log = (tmp_path / "logs/import/level2.log").read_text()
    assert "configuration 105" in log and "do not match" in log


def test_untrusted_pickle_file_is_refused(tmp_path):
    write_paper_files(tmp_path, n=4)
    spec = {"source": "paper_hdf", "path": str(tmp_path / "Be_structures.h5")}
    with pytest.raises(UntrustedFileError, match="trusted: true"):
        read_structures_file(spec)


def test_rescale_and_extxyz_source(tmp_path):
    from ase.io import write

    s = generate_crystals("Be", 3, 2, 4, seed=1)
    write(tmp_path / "w.extxyz.gz", [s.atoms(i) for i in range(3)])
    spec = {"source": "file", "path": str(tmp_path / "w.extxyz.gz"),
            "rescale": {"from_A": 3.165, "to_A": 2.29}}
    scaled, ids = read_structures_file(spec)
    np.testing.assert_allclose(scaled.cells[1], s.cells[1] * 2.29 / 3.165)
    assert list(ids) == [0, 1, 2]


def test_paper_split_convention():
    import random

    order = list(range(20))
    random.seed(58)
    random.shuffle(order)
    split = split_train_test(20, 0.5, 58, "python_random")
    assert sorted(np.flatnonzero(split)) == sorted(order[:10])


def test_labels_that_come_with_a_file_join_as_an_external_level(tmp_path):
    """An extxyz with its own DFT labels: structures and an 'external' level from one file."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    s = generate_crystals("Be", 4, 2, 4, seed=3)
    frames = []
    for i in range(4):
        a = s.atoms(i)
        a.calc = SinglePointCalculator(a, energy=-3.7 * len(a) + 0.1 * i,
                                       forces=np.full((len(a), 3), 0.01 * i))
        frames.append(a)
    write(tmp_path / "own.extxyz", frames)
    from mlipcost.structures.importers import import_labels
    structures, ids = read_structures_file({"source": "file", "path": str(tmp_path / "own.extxyz")})
    data = import_labels(structures, ids, {"path": str(tmp_path / "own.extxyz")}, "external")
    np.testing.assert_allclose(data["energy_eV"], [-3.7 * len(f) + 0.1 * i for i, f in enumerate(frames)])
    assert list(data["status"]) == ["ok"] * 4


def test_non_finite_labels_are_failures_never_labels(tmp_path):
    """A NaN energy or force component in a label file is a failed calculation of that
    configuration, named with its reason; it never reaches a fit."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    from mlipcost.structures.importers import import_labels

    s = generate_crystals("Be", 4, 2, 4, seed=3)
    frames = []
    for i in range(4):
        a = s.atoms(i)
        forces = np.full((len(a), 3), 0.01)
        if i == 2:
            forces[0, 1] = np.nan
        a.calc = SinglePointCalculator(a, energy=np.nan if i == 1 else -3.7 * len(a), forces=forces)
        frames.append(a)
    write(tmp_path / "own.extxyz", frames)
    structures, ids = read_structures_file({"source": "file", "path": str(tmp_path / "own.extxyz")})
    data = import_labels(structures, ids, {"path": str(tmp_path / "own.extxyz")}, "1")
    assert list(data["status"]) == ["ok", "failed", "failed", "ok"]
    assert "non-finite energy in own.extxyz (configuration 1)" in data["reason"][1]
    assert "non-finite forces" in data["reason"][2]


def test_a_dft_result_with_nan_is_recorded_as_failed(tmp_path):
    from mlipcost.dft.chunks import label_chunk
    from mlipcost.dft.ladder import Level

    class NanBackend:
        code = "fake"

        def settings(self, level):
            return {}

        def calculate(self, atoms, level, mesh, workdir):
            return {"energy_eV": np.nan, "energy_sigma0_eV": np.nan,
                    "forces_eV_per_A": np.zeros((len(atoms), 3)), "stress_eV_per_A3": np.zeros(6),
                    "wall_time_s": 1.0, "scf_iterations": 3, "attempts": 1, "code_version": "x",
                    "setups": ""}
    s = generate_crystals("Be", 2, 2, 4, seed=3)
    records = label_chunk(s, 0, 2, Level("1", 200.0, None), NanBackend(), tmp_path, "ceil",
                          log=lambda m: None)
    assert [str(r["status"]) for r in records] == ["failed", "failed"]
    assert "NonFiniteLabel: non-finite energy returned" in str(records[0]["reason"])


def test_nan_errors_never_enter_a_front():
    from mlipcost.analysis.pareto import non_dominated

    pts = np.array([[1.0, 5.0, 5.0], [2.0, np.nan, 1.0], [3.0, 4.0, 4.0], [0.5, 9.0, 9.0]])
    assert non_dominated(pts).tolist() == [True, False, True, True]
    assert non_dominated(pts, strict=False).tolist() == [True, False, True, True]


def test_split_over_the_reference_level_is_the_papers_code(tmp_path):
    """The paper's load_files keeps only the structures of Be_prec_6.h5 (sorted by index) and
    train_test_split shuffles those: with split.over reference_labelled the same configurations
    train, and one the reference level did not label is in neither half."""
    import random

    from mlipcost.dft.labels import write_level_file
    from mlipcost.structures.stage import split_configurations
    from mlipcost.structures.configurations import read_structures, write_structures

    s = generate_crystals("Be", 21, 2, 4, seed=5)
    write_structures(tmp_path / "configurations.h5", s, {})
    missing = {3, 4, 11, 17}          # not labelled at the reference level
    status = ["failed" if i in missing else "ok" for i in range(21)]
    write_level_file(tmp_path / "level6.h5", s, settings={}, level="6", structures_hash="x",
                     energy=np.zeros(21), forces=np.zeros((s.offsets[-1], 3)),
                     stress=np.zeros((21, 6)), wall_time_s=np.ones(21), status=status,
                     reasons=[""] * 21)
    split = {"test_fraction": 0.5, "seed": 58, "method": "python_random",
             "over": "reference_labelled"}
    split_configurations(tmp_path / "configurations.h5", split, tmp_path / "structures.h5",
                         log=lambda m: None, reference_labels=tmp_path / "level6.h5")
    is_train = read_structures(tmp_path / "structures.h5").is_train

    labelled = [i for i in range(21) if i not in missing]     # the paper's df_structures
    order = list(range(len(labelled)))
    random.seed(58)
    random.shuffle(order)
    n_train = int(len(order) * (1 - 0.5))
    assert sorted(np.flatnonzero(is_train)) == sorted(labelled[k] for k in order[:n_train])
    assert not is_train[sorted(missing)].any()
    with pytest.raises(ValueError, match="reference level's label file"):
        split_configurations(tmp_path / "configurations.h5", split, tmp_path / "s2.h5",
                             log=lambda m: None)
