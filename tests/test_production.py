"""Production after the pilot: only what the plan bought is labelled, nothing twice, and a
killed labelling job resumes from the record store."""

import json

import numpy as np
import pandas as pd
import pytest

from mlipcost.dft.labels import read_labels
from mlipcost.plan.production import planned_setting, run_production_labels
from mlipcost.structures.configurations import Structures, generate_crystals, write_structures
from tests.test_labels import FakeBackend

DFT = {"code": "fake", "levels": [{"name": "2", "cutoff_eV": 300, "kspacing_per_A": 0.5}],
       "max_failed_fraction": 0.0}


class RecordedBackend(FakeBackend):
    def version(self):
        return "fake-1"


class Killed(BaseException):
    """What SIGKILL is to the job: nothing after it runs (not an Exception: never recorded)."""


class DyingBackend(RecordedBackend):
    def __init__(self, survive):
        super().__init__()
        self.survive = survive

    def calculate(self, atoms, level, mesh, workdir):
        if len(self.calls) == self.survive:
            raise Killed()
        return super().calculate(atoms, level, mesh, workdir)


def _set(path, s, idx, train):
    part = Structures.from_atoms([s.atoms(i) for i in idx], [s.kinds[i] for i in idx])
    part.is_train = np.asarray(train, bool)
    write_structures(path, part, {"production": {"train_level": "2"}}, source_ids=idx)
    return path


def test_production_labels_nothing_twice_and_resumes_after_a_kill(tmp_path):
    s = generate_crystals("Be", 8, 2, 4, seed=3)
    store, work = tmp_path / "dft-records", tmp_path / "work"
    # the pilot labelled configurations 0-3 at level 2
    pilot = _set(tmp_path / "pilot.h5", s, np.arange(4), [True] * 4)
    first = RecordedBackend()
    run_production_labels(pilot, DFT, "2", "train", tmp_path / "pilot_l2.h5",
                          record_store=store, work_dir=work, log=lambda *a: None, backend=first)
    assert len(first.calls) == 4
    # production trains on 0-6 and validates on 7 (another level's job): 3 new calculations,
    # the job is killed after the first of them and run again
    production = _set(tmp_path / "production.h5", s, np.arange(8), [True] * 7 + [False])
    out = tmp_path / "labels/train.h5"
    with pytest.raises(Killed):
        run_production_labels(production, DFT, "2", "train", out, record_store=store,
                              work_dir=work, log=lambda *a: None, backend=DyingBackend(survive=1))
    assert not out.exists()
    messages = []
    again = RecordedBackend()
    run_production_labels(production, DFT, "2", "train", out, record_store=store, work_dir=work,
                          log=messages.append, backend=again)
    assert len(again.calls) == 2
    assert messages[-1] == "level 2, train: 7 of 7 ok, 5 from the record store, 2 computed"
    records = list(store.glob("*/*.npz"))
    assert len(records) == 7      # one per configuration labelled at the level: none twice
    labels = read_labels(out)
    assert labels.ok.tolist() == [True] * 7 + [False]
    assert read_labels(out).reasons[7] == "production labels only the train set at this level"


def test_the_planned_setting_and_its_prediction(tmp_path):
    from mlipcost.io.storage import write_csv

    predictions = pd.DataFrame([
        {"twojmax": 2, "sampler": "leverage", "train_level": "2", "energy_weight": w,
         "size": n, "metric": m, "predicted": p, "lower": p / 2, "upper": 2 * p}
        for w, scale in ((1.0, 2.0), (150.0, 1.0)) for n in (6, 12)
        for m, p in (("energy", 10.0 * scale / n), ("force", 100.0 * scale / n))])
    write_csv(predictions, tmp_path / "predictions.csv")
    write_csv(pd.DataFrame([{"what": "cheapest front point of level 2", "twojmax": 2}]),
              tmp_path / "plan.csv")
    with pytest.raises(ValueError, match="plan found no setting that meets plan.targets"):
        planned_setting(tmp_path / "plan.csv", tmp_path / "predictions.csv")
    setting = planned_setting(tmp_path / "plan.csv", tmp_path / "predictions.csv",
                              {"train_level": "2", "size": 12})
    assert setting["energy_weight"] == 150.0     # the most accurate weight at that size
    assert setting["predicted_energy"] == pytest.approx(10.0 / 12)
    assert setting["upper_force"] == pytest.approx(200.0 / 12)
    assert json.loads(json.dumps(setting))["size"] == 12
    # between predicted sizes: the power law's straight line in log-log
    setting = planned_setting(tmp_path / "plan.csv", tmp_path / "predictions.csv",
                              {"train_level": "2", "size": 9, "energy_weight": 150.0})
    assert setting["predicted_energy"] == pytest.approx(10.0 / 9)


def test_round_label_files_merge_into_what_was_bought(tmp_path):
    """plan.mode adaptive's rounds: each label file labels only what its round bought; merged,
    a label is at hand exactly where some round bought it, and NaN elsewhere."""
    from mlipcost.dft.store import label_subset
    from mlipcost.plan.adaptive import load_round_labels
    from mlipcost.structures.configurations import read_structures

    s = generate_crystals("Be", 8, 2, 4, seed=3)
    path = _set(tmp_path / "s.h5", s, np.arange(8), [True] * 4 + [False] * 4)
    structures = read_structures(path)
    store, work = tmp_path / "dft-records", tmp_path / "work"
    files = []
    for k, wanted in enumerate(([6, 7], [0, 1], [2])):
        mask = np.zeros(8, bool)
        mask[wanted] = True
        files.append(tmp_path / f"round{k}.h5")
        label_subset(structures, mask, DFT, "2", files[-1], record_store=store, work_dir=work,
                     why_not="not bought", log=lambda *a: None, backend=RecordedBackend())
    labels, labelled = load_round_labels(path, files, ["1", "2"])
    assert labelled[:, 0].sum() == 0
    assert np.flatnonzero(labelled[:, 1]).tolist() == [0, 1, 2, 6, 7]
    assert np.isnan(labels[0].energy).all() and not labels[0].ok.any()
    assert np.isfinite(labels[1].energy[[0, 1, 2, 6, 7]]).all()
    assert np.isnan(labels[1].energy[[3, 4, 5]]).all() and labels[1].ok.sum() == 5
    with pytest.raises(ValueError, match="level '2' is not one of dft.levels"):
        load_round_labels(path, files[:1], ["1", "3"])
