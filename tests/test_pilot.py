"""The pilot: the pool is ordered by leverage before any DFT; the pilot is that order's
prefix plus a test draw, the same configurations bit for bit (so production reuses its labels)."""

import numpy as np
import pandas as pd
import pytest

from mlipcost.descriptors.snap import DescriptorFile, compute_descriptor_file, descriptor_settings
from mlipcost.dft.chunks import configuration_key
from mlipcost.models.fit import build_fit_data, leverage_scores, sampling_order
from mlipcost.dft.labels import Labels
from mlipcost.plan.pilot import make_pilot_structures, pool_order, run_pool_order
from mlipcost.structures.stage import make_structures
from mlipcost.structures.configurations import read_structures


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pool")
    make_structures("Be", {"source": "crystals", "n_configs": 24, "n_atoms_min": 1,
                           "n_atoms_max": 4, "seed": 5, "min_distance_A": 1.2,
                           "volume_per_atom_A3": [4.0, 16.0]},
                    {"test_fraction": 0.5, "seed": 58}, folder / "structures.h5", log=lambda m: None)
    structures = read_structures(folder / "structures.h5")
    compute_descriptor_file(structures, descriptor_settings({}, 2), "Be", folder / "2J2.h5", {})
    return folder


def test_pool_leverage_needs_no_labels(pool):
    order = pool_order(pool / "structures.h5", pool / "2J2.h5", 150.0, "leverage", seed=7)
    structures = read_structures(pool / "structures.h5")
    candidates = np.flatnonzero(structures.is_train & ~structures.is_bulk_reference)
    assert sorted(order["pool_index"]) == candidates.tolist()
    # the same scores as from a labelled fit problem, whatever the labels
    rng = np.random.default_rng(0)
    labels = Labels(rng.normal(size=len(structures)), rng.normal(size=(structures.n_atoms.sum(), 3)),
                    np.zeros((len(structures), 6)), np.ones(len(structures)),
                    np.ones(len(structures), bool), [""] * len(structures), structures.offsets,
                    "1", {})
    use = np.zeros(len(structures), bool)
    use[candidates] = True
    data = build_fit_data(DescriptorFile(pool / "2J2.h5"), [labels], use)
    labelled = leverage_scores(data, np.arange(len(candidates)), 150.0)
    by_index = order.set_index("pool_index").loc[candidates]
    np.testing.assert_allclose(by_index["leverage"], labelled["leverage"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(by_index["block_leverage"], labelled["block_leverage"], rtol=1e-10)
    # block leverages sum to the design's rank; the order is the paper's seeded leverage sampling
    assert order["block_leverage"].sum() == pytest.approx(order["rank"].iloc[0])
    expected = sampling_order(len(candidates), "leverage", np.random.default_rng(7),
                              labelled["leverage"].to_numpy())
    assert order["pool_index"].tolist() == candidates[expected].tolist()


def test_pilot_is_the_order_prefix_and_a_test_draw(pool, tmp_path):
    run_pool_order(pool / "structures.h5", pool / "2J2.h5", 150.0, "block_leverage", 7,
                   tmp_path / "order.csv", log=lambda m: None)
    order = pd.read_csv(tmp_path / "order.csv")
    make_pilot_structures(pool / "structures.h5", tmp_path / "order.csv", 5, 3, 58, {"pilot": 1},
                          tmp_path / "pilot.h5", log=lambda m: None)
    full, pilot = read_structures(pool / "structures.h5"), read_structures(tmp_path / "pilot.h5")
    import h5py

    with h5py.File(tmp_path / "pilot.h5", "r") as h5:
        source = h5["source_id"][()]
    assert source[:5].tolist() == order["pool_index"][:5].tolist()
    assert pilot.is_train.tolist() == [True] * 5 + [False] * 4
    assert pilot.is_bulk_reference.tolist() == [False] * 8 + [True]
    assert not full.is_train[source[5:8]].any()
    for i, j in enumerate(source):
        assert configuration_key(pilot.atoms(i)) == configuration_key(full.atoms(j))


def test_a_pilot_larger_than_the_pool_is_an_error(pool, tmp_path):
    run_pool_order(pool / "structures.h5", pool / "2J2.h5", 150.0, "leverage", 7,
                   tmp_path / "order.csv", log=lambda m: None)
    with pytest.raises(ValueError, match="plan.pilot_size 99 exceeds"):
        make_pilot_structures(pool / "structures.h5", tmp_path / "order.csv", 99, 3, 58, {},
                              tmp_path / "pilot.h5")


def _level_files(folder, structures, failed=()):
    """Two synthetic label files (level 1 noisier than level 2) with ``failed`` configurations."""
    from mlipcost.dft.labels import write_level_file

    rng = np.random.default_rng(1)
    n = len(structures)
    status = np.array(["ok"] * n, dtype=object)
    status[list(failed)] = "failed"
    paths = []
    for level, noise in (("1", 0.05), ("2", 0.0)):
        path = folder / f"level{level}.h5"
        write_level_file(path, structures, settings={}, level=level, structures_hash="x",
                         energy=-3.7 * structures.n_atoms + noise * rng.normal(size=n),
                         forces=rng.normal(scale=0.1, size=(structures.n_atoms.sum(), 3)),
                         stress=np.zeros((n, 6)), wall_time_s=np.ones(n), status=status,
                         reasons=["" if s == "ok" else "SCF" for s in status])
        paths.append(path)
    return paths


def test_training_sizes_are_checked_on_the_configurations_really_labelled(pool, tmp_path):
    """A size above the training configurations labelled at every level is an error
    naming the counts, or a clamp recorded in the log when asked for; never silent."""
    from mlipcost.models.stage import run_leverage
    from mlipcost.models.stage import run_fit_sweep

    structures = read_structures(pool / "structures.h5")
    train = np.flatnonzero(structures.is_train & ~structures.is_bulk_reference)
    labels = _level_files(tmp_path, structures, failed=train[:2])
    run_leverage(pool / "structures.h5", pool / "2J2.h5", labels, 150.0, tmp_path / "lev.csv",
                 log=lambda m: None)
    config = {"fit": {"reference_level": "2", "energy_weights": [150.0], "samplers": ["random"],
                      "training_sizes": [2, len(train)], "repeats": 1},
              "dft": {"levels": [{"name": "1", "seconds_per_config": 1.0},
                                 {"name": "2", "seconds_per_config": 2.0}]},
              "pareto": {"cost": "configured"}}
    with pytest.raises(ValueError, match=rf"fit.training_sizes \[{len(train)}\] exceed the "
                                         rf"{len(train) - 2} training configurations labelled at "
                                         rf"every level \({len(train)} in the split, 2 rejected"):
        run_fit_sweep(pool / "structures.h5", pool / "2J2.h5", labels, tmp_path / "lev.csv",
                      config, tmp_path / "sweep.csv")
    config["fit"]["clamp_training_sizes"] = True
    messages = []
    run_fit_sweep(pool / "structures.h5", pool / "2J2.h5", labels, tmp_path / "lev.csv", config,
                  tmp_path / "sweep.csv", log=messages.append)
    assert any(m.startswith("clamped:") for m in messages)
    assert sorted(pd.read_csv(tmp_path / "sweep.csv")["size"].unique()) == [2, len(train) - 2]
