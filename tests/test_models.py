"""Model families: the model store, how a trained family picks its training sets, its error
columns, its config section; and MACE itself (tiny models on CPU): training, prediction, the
store's reuse and a killed training resuming from its checkpoint."""

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase.build import bulk
from ase.calculators.lj import LennardJones

from mlipcost.config import ConfigError, trained_models_settings
from mlipcost.models.fit import WHOLE_HALF, sampling_order
from mlipcost.models.store import (ModelStore, labels_fingerprint, model_identity, model_key)
from mlipcost.models.trained import (TrainingSet, error_columns, training_order,
                                     validation_split)


def _mace_available() -> bool:
    try:
        import mace  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise AssertionError("mace-torch is not installed: make test installs '.[mace]'")
        return False
    return True


needs_mace = pytest.mark.skipif(not _mace_available(), reason="mace-torch is not installed")


def _entry(store, family="mace", key="abc.1234", n=3):
    forces = [np.full((k + 1, 3), 0.1 * k) for k in range(n)]
    return store.write(family, key, meta={"train_wall_s": 1.0, "epochs": 2},
                       config_keys=[f"{k:024d}" for k in range(n)],
                       energies_eV=np.arange(n, dtype=float), forces_eV_per_A=forces,
                       curve={"epoch": np.array([0, 1]), "valid_loss": np.array([2.0, 1.0])})


def test_store_round_trip_by_configuration_key(tmp_path):
    store = ModelStore(tmp_path)
    _entry(store)
    entry = store.read("mace", "abc.1234")
    e, f = entry.predictions([f"{2:024d}", f"{0:024d}"])
    assert e.tolist() == [2.0, 0.0]
    assert f[0].shape == (3, 3) and np.allclose(f[0], 0.2) and f[1].shape == (1, 3)
    assert entry.curve["valid_loss"].tolist() == [2.0, 1.0]
    with pytest.raises(KeyError, match="no prediction"):
        entry.predictions(["x" * 24])


def test_store_finds_an_identity_trained_by_any_code_version(tmp_path):
    store = ModelStore(tmp_path)
    assert store.find("mace", "abc") is None
    _entry(store, key=model_key("abc", {"mace-torch": "0.3.16"}))
    assert store.find("mace", "abc") == model_key("abc", {"mace-torch": "0.3.16"})
    assert store.find("mace", "ab") is None


def test_a_damaged_entry_is_named(tmp_path):
    store = ModelStore(tmp_path)
    path = _entry(store)
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=str(path)):
        store.read("mace", "abc.1234")


def test_identity_follows_what_the_model_learns_from():
    base = dict(family="mace", settings={"lr": 0.01, "threads": 1, "device": "cpu"}, seed=1,
                train_keys=["a", "b"], valid_keys=["c"], labels_hash="h")
    ident = model_identity(**base)
    assert model_identity(**{**base, "settings": {"lr": 0.01, "threads": 8,
                                                  "device": "cuda"}}) == ident
    for change in ({"settings": {"lr": 0.02, "threads": 1, "device": "cpu"}}, {"seed": 2},
                   {"train_keys": ["b", "a"]}, {"valid_keys": ["d"]}, {"labels_hash": "g"}):
        assert model_identity(**{**base, **change}) != ident
    assert model_key(ident, {"torch": "2"}) != model_key(ident, {"torch": "3"})
    assert labels_fingerprint([1.0], [np.zeros((1, 3))]) != labels_fingerprint(
        [1.0], [np.full((1, 3), 1e-12)])


@pytest.mark.parametrize("n,fraction", [(2, 0.1), (5, 0.1), (40, 0.1), (40, 0.5)])
def test_validation_split_is_a_seeded_partition_of_the_training_set(n, fraction):
    subset = np.arange(100, 100 + n)
    fitted, valid = validation_split(subset, fraction, seed=58, repeat=1)
    assert len(valid) >= 1 and len(fitted) >= 1
    assert sorted(np.concatenate([fitted, valid])) == subset.tolist()
    again = validation_split(subset, fraction, seed=58, repeat=1)
    assert fitted.tolist() == again[0].tolist()
    with pytest.raises(ValueError, match="at least 2"):
        validation_split(subset[:1], fraction, seed=58, repeat=1)


def test_training_sets_are_the_sweeps_orderings():
    train = np.arange(10, 30)
    scores = {"leverage": np.linspace(0.1, 1.0, 20)}
    samplers = ["random", "leverage"]
    for sampler in samplers:
        rng = np.random.default_rng([58, 3, samplers.index(sampler)])
        expected = train[sampling_order(20, sampler, rng, scores.get(sampler))]
        got = training_order(train, sampler, 3, samplers=samplers, seed=58, scores=scores)
        assert got.tolist() == expected.tolist()
    assert training_order(train, WHOLE_HALF, 0, samplers=samplers, seed=58,
                          scores=scores).tolist() == train.tolist()
    with pytest.raises(ValueError, match="fit.samplers"):
        training_order(train, "block_leverage", 0, samplers=samplers, seed=58, scores=scores)


def test_error_columns_match_explicit_rmse():
    rng = np.random.default_rng(0)
    n_atoms = np.array([2, 3, 4])
    pred_e, ref_e = rng.normal(size=3), rng.normal(size=3)
    pred_f = [rng.normal(size=(n, 3)) for n in n_atoms]
    ref_f = [rng.normal(size=(n, 3)) for n in n_atoms]
    row = error_columns("test", pred_e, pred_f, n_atoms, {"reference": (ref_e, ref_f)})
    de = (pred_e - ref_e) / n_atoms
    df = np.concatenate([(p - r).ravel() for p, r in zip(pred_f, ref_f)])
    assert np.isclose(row["test_energy_rmse_meV_per_atom_vs_reference"],
                      1e3 * np.sqrt(np.mean(de ** 2)))
    assert np.isclose(row["test_energy_rmse_shifted_meV_per_atom_vs_reference"],
                      1e3 * np.std(de))
    assert np.isclose(row["test_force_rmse_meV_per_A_vs_reference"],
                      1e3 * np.sqrt(np.mean(df ** 2)))


def _config(**mace):
    return {"dft": {"levels": [{"name": "1"}, {"name": "2"}]},
            "descriptors": {"twojmax": [2, 4]},
            "fit": {"reference_level": "2", "samplers": ["random", "leverage"]},
            "models": {"mace": {"enabled": True, **mace}}}


def test_models_section_resolves_training_sets_and_rejects_what_it_cannot_train():
    assert trained_models_settings({**_config(), "models": {}}) is None
    resolved = trained_models_settings(_config(curves={"sizes": [4, 2], "repeats": 2}))
    mace = resolved["families"]["mace"]
    assert resolved["store"] == "model-store" and not resolved["offline"]
    assert mace["leverage_twojmax"] == 4
    assert mace["training_sets"] == [("1", "whole_half", 0, 0), ("2", "whole_half", 0, 0),
                                     ("2", "random", 2, 0), ("2", "random", 2, 1),
                                     ("2", "random", 4, 0), ("2", "random", 4, 1)]
    # a list of blocks joins their sets, each once
    blocks = trained_models_settings(_config(
        whole_half_levels=["2"], curves=[{"sizes": [4], "repeats": 1},
                                         {"levels": ["1", "2"], "sizes": [2, 4], "repeats": 1}]))
    assert blocks["families"]["mace"]["training_sets"] == [
        ("2", "whole_half", 0, 0), ("2", "random", 4, 0), ("1", "random", 2, 0),
        ("1", "random", 4, 0), ("2", "random", 2, 0)]
    for bad, match in (({"whole_half_levels": ["7"]}, "not dft.levels"),
                       ({"curves": [{"levels": ["7"], "sizes": [2]}]}, "not dft.levels"),
                       ({"curves": [{"size": [2]}]}, "unknown key"),
                       ({"curves": {"samplers": ["block_leverage"]}}, "fit.samplers"),
                       ({"curves": {"sizes": [1]}}, "too small"),
                       ({"settings": {"learning_rate": 1}}, "unknown key"),
                       ({"leverage_twojmax": 6}, "leverage_twojmax")):
        with pytest.raises((ConfigError, ValueError), match=match):
            trained_models_settings(_config(**bad))


def test_multifidelity_section_resolves_its_sets_and_trains_what_finetuning_starts_from():
    resolved = trained_models_settings(_config(
        whole_half_levels=["2"],
        multifidelity={"methods": ["finetune", "multihead"], "low_levels": ["1"],
                       "high_sizes": [4, 2], "repeats": 1},
        finetune={"lr": 0.002}))
    mace = resolved["families"]["mace"]
    assert mace["multifidelity_sets"] == [
        ("finetune", "1", "2", "random", 2, 0), ("finetune", "1", "2", "random", 4, 0),
        ("multihead", "1", "2", "random", 2, 0), ("multihead", "1", "2", "random", 4, 0)]
    # fine-tuning starts from level 1's whole-half model, so the family trains it
    assert ("1", "whole_half", 0, 0) in mace["training_sets"]
    assert mace["finetune"] == {"lr": 0.002, "max_num_epochs": 200}
    for bad, match in (({"multifidelity": {"methods": ["delta"], "low_levels": ["1"]}},
                        "methods"),
                       ({"multifidelity": {"low_levels": ["7"], "high_sizes": [2]}},
                        "not dft.levels"),
                       ({"multifidelity": {"low_levels": ["2"], "high_sizes": [2]}},
                        "high level"),
                       ({"multifidelity": {"low_level": ["1"]}}, "unknown key"),
                       ({"finetune": {"epochs": 3}}, "unknown key")):
        with pytest.raises(ConfigError, match=match):
            trained_models_settings(_config(**bad))


def test_mace_command_line_fine_tunes_or_trains_one_head_per_level(tmp_path):
    from mlipcost.models import mace
    settings = mace.settings_with_defaults({"device": "cpu"})
    plain = mace.command_line(settings, tmp_path, 1)
    assert f"--train_file={tmp_path / 'train.xyz'}" in plain
    assert not any(a.startswith(("--foundation_model", "--heads")) for a in plain)
    tuned = mace.command_line(settings, tmp_path, 1, init_model=tmp_path / "pre.model")
    assert f"--foundation_model={tmp_path / 'pre.model'}" in tuned
    assert "--multiheads_finetuning=False" in tuned
    heads = mace.command_line(settings, tmp_path, 1, heads=("auxiliary", "target"))
    assert not any(a.startswith(("--train_file", "--valid_file", "--E0s")) for a in heads)
    spec = eval(next(a for a in heads if a.startswith("--heads="))[len("--heads="):])
    assert list(spec) == ["auxiliary", "target"]
    assert spec["target"]["train_file"] == str(tmp_path / "train_target.xyz")


def _summary_row(**values):
    row = {"n_repeats": 2, "dft_cost_s": 100.0, "test_energy_rmse_meV_per_atom_vs_reference": 10.0,
           "test_force_rmse_meV_per_A_vs_reference": 100.0}
    return {**row, **values}


def test_multifidelity_points_are_read_against_single_level_models_within_their_cost():
    import pandas as pd
    from mlipcost.models.multifidelity import multifidelity_vs_single
    e, f = "test_energy_rmse_meV_per_atom_vs_reference", "test_force_rmse_meV_per_A_vs_reference"
    single = pd.DataFrame([
        {"family": "mace", "train_level": "2", "sampler": "random", "size": 4, "repeat": 0,
         "dft_cost_s": 80.0, e: 20.0, f: 150.0},
        {"family": "mace", "train_level": "1", "sampler": WHOLE_HALF, "size": 10, "repeat": 0,
         "dft_cost_s": 20.0, e: 30.0, f: 120.0},
        {"family": "mace", "train_level": "2", "sampler": WHOLE_HALF, "size": 10, "repeat": 0,
         "dft_cost_s": 200.0, e: 1.0, f: 10.0}])
    keys = {"family": "mace", "low_level": "1", "high_level": "2", "sampler": "random",
            "low_size": 10, "high_size": 4}
    mf = pd.DataFrame([_summary_row(method="finetune", **keys),
                       _summary_row(method="multihead", **{**keys, "high_size": 2},
                                    **{e: 25.0, f: 160.0})])
    table = multifidelity_vs_single(mf, single).set_index("method")
    good, bad = table.loc["finetune"], table.loc["multihead"]
    assert good["beats_single"] and not bad["beats_single"]   # dominated by the level-2 curve
    assert np.isclose(good["energy_gain_vs_direct_percent"], 50.0)
    assert np.isclose(good["force_gain_vs_pretrained_percent"], 100 * (120 - 100) / 120)
    assert np.isnan(bad["direct_energy_rmse_meV_per_atom_vs_reference"])   # no curve at 2
    # the whole level-2 half is better but costs more: never the best within the budget
    assert good["best_single_energy_setting"] == "L2 × 4 random"
    assert good["best_single_force_setting"] == "L1 × whole half"


# --- MACE itself ------------------------------------------------------------------------------

TINY = {"num_channels": 8, "max_L": 0, "correlation": 2, "max_ell": 2, "r_max_A": 4.0,
        "num_radial_basis": 4, "batch_size": 2, "valid_batch_size": 2, "max_num_epochs": 3,
        "patience": 5}


def _lj_frames(n, seed=0):
    """Small rattled Be cells labelled by a Lennard-Jones potential (the test needs labels a model
    can learn, not DFT)."""
    from mlipcost.models import mace
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n):
        atoms = bulk("Be", "hcp", a=2.29, c=3.58).repeat((2, 1, 1))
        atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
        atoms.calc = LennardJones(sigma=2.0, epsilon=0.1, rc=4.0)
        frames.append(mace.labelled_frame(atoms, atoms.get_potential_energy(),
                                          atoms.get_forces()))
    return frames


@needs_mace
def _family_points(low_inside: bool):
    """A trained family's settings: levels 1 and 3 at three sizes, the reference 6 on the whole
    half only; costs rising with level and size, errors falling; level 1 within the window or far
    outside it."""
    from mlipcost.analysis.pareto import OBJECTIVES

    rows = []
    for level, cost, floor in (("1", 1.0, 25.0 if low_inside else 500.0), ("3", 3.0, 20.0),
                               ("6", 30.0, 10.0)):
        for size in ((15, 45, 150) if level != "6" else (150,)):
            rows.append({"model": "fam", "train_level": level, "size": size,
                         "dft_cost_min": cost * size, OBJECTIVES[1]: floor * (1 + 30 / size),
                         OBJECTIVES[2]: 4 * floor * (1 + 30 / size)})
    return pd.DataFrame(rows)


def _family_tables(force_ratio: float, energy_ratio: float):
    return pd.DataFrame([{"model": "fam", "train_level": lvl, "size": 150,
                          "energy_vs_reference_meV_per_atom": e * energy_ratio,
                          "energy_vs_own_level_meV_per_atom": e,
                          "force_vs_reference_meV_per_A": 10 * e * force_ratio,
                          "force_vs_own_level_meV_per_A": 10 * e}
                         for lvl, e in (("1", 40.0), ("2", 30.0), ("3", 20.0), ("6", 12.0))])


@pytest.mark.parametrize("low_inside", [True, False])
def test_claims_by_family_read_each_models_own_front(low_inside):
    from mlipcost.models.report import claims_by_family

    levels = ["1", "2", "3", "4", "5", "6"]
    weights = {"energy_weighted": 150.0, "force_weighted": 12.25}
    table = claims_by_family(_family_points(low_inside), _family_tables(0.9, 1.1), levels, "6",
                             weights).set_index("claim")
    assert table.loc[1, "verdict"] == ("does not hold" if low_inside else "holds")
    # the reference's one point is the front's most accurate: at its edge, even on a front of a
    # few points
    assert table.loc[2, "verdict"] == "holds"
    assert table.loc[3, "verdict"] == "holds"           # cost and level rise together
    # forces better against the reference, energies worse: claim 5 judges both
    assert table.loc[5, "verdict"] == "does not hold"
    assert "forces: 3 of 3, energies: 0 of 3" in table.loc[5, "numbers"]
    better = claims_by_family(_family_points(low_inside), _family_tables(0.9, 0.9), levels, "6",
                              weights).set_index("claim")
    assert better.loc[5, "verdict"] == "holds"


def test_mace_trains_predicts_and_logs_its_curve(tmp_path):
    from mlipcost.models import mace
    settings = mace.settings_with_defaults(TINY)
    frames = _lj_frames(6)
    result = mace.train(frames[:4], frames[4:], settings, seed=1, workdir=tmp_path / "w")
    assert result["model"].exists()
    assert result["curve"]["epoch"].tolist() == [0, 1, 2]
    assert np.isfinite(result["curve"]["valid_force_rmse_meV_per_A"]).all()
    energies, forces = mace.predict(result["model"], frames, settings)
    assert energies.shape == (6,) and np.isfinite(energies).all()
    assert [f.shape for f in forces] == [(4, 3)] * 6
    speed = mace.md_speed(result["model"], settings, frames[0].repeat((2, 2, 2)), steps=2)
    assert speed["atom_timesteps_per_s"] > 0 and speed["n_atoms"] == 32


@needs_mace
def test_checkpoints_are_pruned_per_kind_and_half_written_ones_dropped(tmp_path):
    import torch
    from mlipcost.models import mace
    directory = tmp_path / "checkpoints"
    directory.mkdir()
    for name in ("m_epoch-2.pt", "m_epoch-10.pt", "m_epoch-9.pt", "m_epoch-12_swa.pt",
                 "m_epoch-11_swa.pt", "m_epoch-3_swa.pt", "m.model"):
        torch.save({"name": name, "weights": torch.zeros(1000)}, directory / name)
    mace.prune_checkpoints(tmp_path, keep=2)
    assert sorted(p.name for p in directory.iterdir()) == [
        "m.model", "m_epoch-10.pt", "m_epoch-11_swa.pt", "m_epoch-12_swa.pt", "m_epoch-9.pt"]
    whole = (directory / "m_epoch-10.pt").read_bytes()
    (directory / "m_epoch-13.pt").write_bytes(whole[: len(whole) // 3])
    assert mace.drop_unreadable_checkpoints(tmp_path) == [directory / "m_epoch-13.pt"]
    assert [p.name for p in mace._checkpoints(tmp_path)[False]] == ["m_epoch-9.pt",
                                                                     "m_epoch-10.pt"]


def test_a_killed_mace_training_resumes_from_its_checkpoint(tmp_path):
    from mlipcost.models import mace
    settings = mace.settings_with_defaults({**TINY, "max_num_epochs": 40, "patience": 40,
                                            "stage_two_start_fraction": 1.0})
    frames = _lj_frames(6)
    workdir = tmp_path / "w"
    workdir.mkdir()
    mace._write_frames(workdir / "train.xyz", frames[:4])
    mace._write_frames(workdir / "valid.xyz", frames[4:])
    log = workdir / "train.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(mace.command_line(settings, workdir, 1), stdout=out,
                                stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    # killed once a checkpoint of a later epoch than the first is on disk and whole (one is
    # written at each better validation loss; under load the log runs ahead of it, and a kill
    # while torch writes it leaves a file the restart cannot load)
    def later_checkpoint():
        import torch
        for p in (workdir / "checkpoints").glob("*epoch-*.pt"):
            if int(p.stem.rsplit("epoch-", 1)[-1]) >= 1:
                try:
                    torch.load(p, map_location="cpu", weights_only=False)
                    return True
                except Exception:
                    pass
        return False

    deadline = time.time() + 300
    while time.time() < deadline and not ("Epoch 1:" in log.read_text() and later_checkpoint()):
        assert proc.poll() is None, log.read_text()[-2000:]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first_run = log.read_text()
    assert "Epoch 1:" in first_run and "Epoch 39:" not in first_run
    # and as if the kill had come while the next checkpoint was being written: a newer, truncated
    # one beside the whole one (MACE would delete the whole one first without --keep_checkpoints)
    whole = mace._checkpoints(workdir)[False][-1]
    epoch = int(whole.stem.rsplit("epoch-", 1)[-1])
    half = whole.with_name(whole.name.replace(f"epoch-{epoch}", f"epoch-{epoch + 1}"))
    half.write_bytes(whole.read_bytes()[:len(whole.read_bytes()) // 2])
    result = mace.train(frames[:4], frames[4:], settings, seed=1, workdir=workdir)
    second_run = log.read_text()[len(first_run):]
    assert f"Loading checkpoint: {whole}" in second_run
    assert sum(len(v) for v in mace._checkpoints(workdir).values()) <= 2 * mace.CHECKPOINTS_KEPT
    assert "Epoch 0:" not in second_run and "Epoch 39:" in second_run
    assert result["model"].exists()


@needs_mace
def test_mace_fine_tunes_a_trained_model_and_trains_one_head_per_level(tmp_path):
    from mlipcost.models import mace
    settings = mace.settings_with_defaults(TINY)
    low, high = _lj_frames(6, seed=0), _lj_frames(4, seed=1)
    pre = mace.train(low[:4], low[4:], settings, seed=1, workdir=tmp_path / "pre")
    tuned = mace.train(high[:3], high[3:], settings, seed=1, workdir=tmp_path / "tuned",
                       init_model=pre["model"])
    assert "Using foundation model" in (tmp_path / "tuned" / "train.log").read_text()
    assert tuned["head"] is None and len(tuned["curve"]["epoch"]) == 3
    both = mace.train(high[:3], high[3:], settings, seed=1, workdir=tmp_path / "heads",
                      auxiliary=(low[:4], low[4:]))
    assert both["head"] == mace.TARGET_HEAD
    # one validation curve: the target head's, one row per evaluation
    assert both["curve"]["epoch"].tolist() == [0, 1, 2]
    target, _ = mace.predict(both["model"], high, settings, mace.TARGET_HEAD)
    auxiliary, _ = mace.predict(both["model"], high, settings, mace.AUXILIARY_HEAD)
    assert np.isfinite(target).all() and not np.allclose(target, auxiliary)
