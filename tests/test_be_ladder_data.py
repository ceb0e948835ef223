"""The committed Be reference ladder (data/be_ladder): a slice of it, read as `make study` reads it.

The slice is the bulk reference and the first chunk of each half of the set (random cells, crystals),
which the labelling run finishes first; the whole set is `make study`'s business.
"""

from pathlib import Path

import numpy as np
import pytest
import yaml

from mlipcost.dft.labels import STATUS_OK, label_chunk
from mlipcost.dft.ladder import Level
from mlipcost.importers import read_structures_file
from mlipcost.stages import OfflineBackend, make_backend
from mlipcost.storage import config_hash
from mlipcost.structures import BULK_REFERENCE, Structures

REPO = Path(__file__).resolve().parents[1]
SLICE = list(range(0, 10)) + list(range(150, 160)) + [300]


@pytest.fixture(scope="module")
def ladder():
    config = yaml.safe_load((REPO / "config/be_ladder.yaml").read_text())
    spec = {**config["structures"], "path": str(REPO / config["structures"]["path"])}
    structures, ids = read_structures_file(spec)
    return config, structures


def test_the_set_is_what_its_readme_says(ladder):
    config, structures = ladder
    assert len(structures) == 301 and structures.kinds[300] == BULK_REFERENCE
    kinds = structures.kinds[:300]
    assert kinds.count("generated") == 150
    assert sum("surface" in k for k in kinds) >= 20 and sum("vacancy" in k for k in kinds) >= 20
    assert structures.n_atoms[:300].min() >= 6 and structures.n_atoms[:300].max() <= 16


def test_a_slice_is_labelled_at_every_level_from_the_store(ladder, tmp_path):
    config, structures = ladder
    dft = config["dft"]
    backend = make_backend(dft)
    part = Structures.from_atoms([structures.atoms(i) for i in SLICE],
                                 [structures.kinds[i] for i in SLICE])
    energies = {}
    for entry in dft["levels"]:
        level = Level.from_config(entry, dft["smearing"])
        settings = {**backend.settings(level), "kmesh_rounding": dft["kmesh_rounding"]}
        store = REPO / dft["record_store"] / config_hash(settings)
        assert (store / "settings.json").exists(), f"level {level.name}: no records in {store}"
        records = label_chunk(part, 0, len(part), level, OfflineBackend(backend, store), store,
                              dft["kmesh_rounding"], work_dir=tmp_path)
        missing = [SLICE[i] for i, r in enumerate(records) if str(r["status"]) != STATUS_OK]
        assert not missing, f"level {level.name}: configurations {missing} not labelled"
        for i, r in enumerate(records):
            assert np.isfinite(r["energy_eV"]) and np.isfinite(r["forces_eV_per_A"]).all()
            assert r["forces_eV_per_A"].shape == (part.n_atoms[i], 3)
            assert r["cpu_time_s"] > 0 or np.isnan(r["cpu_time_s"])
        energies[level.name] = np.array([float(r["energy_eV"]) for r in records]) / part.n_atoms
    # the ladder converges: each level is closer to the reference than level 1 is
    rmsd = {name: np.sqrt(np.mean((e - energies["6"]) ** 2)) for name, e in energies.items()}
    assert rmsd["5"] < rmsd["3"] < rmsd["1"]
