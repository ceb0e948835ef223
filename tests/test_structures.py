import numpy as np
import pytest

from mlipcost.structures.configurations import (StructureError, Structures, check_structures, generate_crystals,
                                                read_structures, split_train_test, write_structures)


def test_generator_is_deterministic_and_diverse():
    a = generate_crystals("Be", 20, 2, 8, seed=5)
    b = generate_crystals("Be", 20, 2, 8, seed=5)
    assert np.array_equal(a.positions, b.positions) and a.kinds == b.kinds
    assert a.kinds[0] == "hcp/ideal"
    assert {k.split("/")[0] for k in a.kinds} == {"hcp", "bcc", "fcc"}
    assert any("vacancy" in k for k in a.kinds)
    assert a.n_atoms.min() >= 1 and a.n_atoms.max() <= 8
    c = generate_crystals("Be", 20, 2, 8, seed=6)
    assert not np.array_equal(a.positions, c.positions)


def test_round_trip(tmp_path):
    s = generate_crystals("Be", 6, 2, 4, seed=1)
    s.is_train = split_train_test(len(s), 0.5, 58)
    write_structures(tmp_path / "s.h5", s, {"seed": 1})
    r = read_structures(tmp_path / "s.h5")
    assert np.array_equal(r.positions, s.positions) and np.array_equal(r.is_train, s.is_train)
    assert r.atoms(3) == s.atoms(3)


def test_split_is_half_and_seeded():
    split = split_train_test(100, 0.5, 58)
    assert split.sum() == 50
    assert np.array_equal(split, split_train_test(100, 0.5, 58))


def test_checks_name_the_configuration_and_reason():
    s = generate_crystals("Be", 10, 2, 4, seed=1)
    atoms = [s.atoms(i) for i in range(len(s))]
    atoms[2].positions[1] = atoms[2].positions[0] + 0.1
    bad = Structures.from_atoms(atoms)
    keep, reasons = check_structures(bad, "Be", 1.0, 0.5, (2.0, 100.0))
    assert not keep[2] and keep.sum() == 9
    assert reasons[0].startswith("configuration 2: interatomic distance")
    with pytest.raises(StructureError, match="rejected"):
        check_structures(bad, "Be", 1.0, 0.0, (2.0, 100.0))
    keep, reasons = check_structures(bad, "W", 1.0, 1.0, (2.0, 100.0))
    assert "expected only W" in reasons[0]


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.h5"):
        read_structures(tmp_path / "nothere.h5")


def test_checks_reject_non_finite_and_absurd_volume():
    s = generate_crystals("Be", 6, 2, 4, seed=1)
    atoms = [s.atoms(i) for i in range(len(s))]
    atoms[1].positions[0, 0] = np.nan
    atoms[4].set_cell(atoms[4].cell.array * 3.0, scale_atoms=True)
    keep, reasons = check_structures(Structures.from_atoms(atoms), "Be", 1.0, 0.5, (2.0, 100.0))
    assert keep.tolist() == [True, False, True, True, False, True]
    assert "configuration 1: non-finite" in reasons[0]
    assert reasons[1].startswith("configuration 4: volume per atom")


def test_checks_see_periodic_images_and_singular_cells():
    """One atom in a 0.3 × 5 × 5 Å cell is 0.3 Å from its own image; a skewed cell whose
    shortest translation is a combination of its vectors is seen too; a flat cell is named."""
    from ase import Atoms

    from mlipcost.structures.configurations import shortest_period_A

    thin = Atoms("Be", positions=[[0, 0, 0]], cell=[0.3, 5, 5], pbc=True)
    skewed = Atoms("Be2", positions=[[0, 0, 0], [1.5, 1.5, 1.5]],
                   cell=[[3, 0, 0], [2.8, 0.5, 0], [0, 0, 3]], pbc=True)
    fine = Atoms("Be2", positions=[[0, 0, 0], [1.5, 1.5, 1.5]], cell=[3, 3, 3], pbc=True)
    flat = Atoms("Be2", positions=[[0, 0, 0], [1.5, 1.5, 0]],
                 cell=[[3, 0, 0], [0, 3, 0], [3, 3, 0]], pbc=True)
    slab = Atoms("Be", positions=[[0, 0, 0]], cell=[3, 3, 0.3], pbc=[True, True, False])
    assert shortest_period_A(thin) == pytest.approx(0.3)
    assert shortest_period_A(skewed) == pytest.approx(np.hypot(0.2, 0.5))
    assert shortest_period_A(slab) == pytest.approx(3.0)
    keep, reasons = check_structures(Structures.from_atoms([thin, skewed, fine, flat]), "Be",
                                     1.0, 1.0, (0.1, 1000.0))
    assert keep.tolist() == [False, False, True, False]
    assert "0.300 Å from its own periodic image" in reasons[0]
    assert "from its own periodic image" in reasons[1]
    assert "cannot be inverted" in reasons[2]


def test_bulk_reference_is_added_without_changing_the_split(tmp_path):
    from mlipcost.structures.stage import make_structures
    from mlipcost.structures.configurations import BULK_REFERENCE, read_structures

    settings = {"source": "crystals", "n_configs": 10, "n_atoms_min": 2, "n_atoms_max": 6,
                "seed": 4, "min_distance_A": 1.2, "volume_per_atom_A3": [4, 30]}
    split = {"test_fraction": 0.5, "seed": 58}
    make_structures("Be", settings, split, tmp_path / "with.h5", log=lambda m: None)
    make_structures("Be", {**settings, "bulk_reference": False}, split, tmp_path / "without.h5",
                    log=lambda m: None)
    with_ref, without = read_structures(tmp_path / "with.h5"), read_structures(tmp_path / "without.h5")
    assert len(with_ref) == 11 and with_ref.kinds[-1] == BULK_REFERENCE
    assert not with_ref.is_train[-1]
    # an ideal hcp supercell of about the median size of the set
    assert abs(with_ref.n_atoms[-1] - np.median(with_ref.n_atoms[:10])) <= 2
    np.testing.assert_array_equal(with_ref.is_train[:10], without.is_train)


def test_mixed_source_with_surfaces():
    from mlipcost.structures.stage import load_structures

    settings = {"source": "mixed", "n_atoms_min": 6, "n_atoms_max": 16,
                "parts": [{"source": "crystals", "n_configs": 30, "seed": 2,
                           "surface_fraction": 0.5}]}
    structures, ids = load_structures("Be", settings)
    surfaces = [i for i, k in enumerate(structures.kinds) if "surface" in k]
    assert len(structures) == 30 and len(surfaces) >= 8
    slab = structures.atoms(surfaces[0])
    assert 8 <= len(slab) <= 16 and slab.pbc.all()
    # 8 Å of vacuum: the atoms span much less than the cell along the surface normal
    normal = np.cross(slab.cell[0], slab.cell[1])
    normal /= np.linalg.norm(normal)
    heights = slab.positions @ normal
    assert slab.cell[2] @ normal - (heights.max() - heights.min()) > 7.5


def test_a_volume_just_outside_its_bound_is_not_printed_as_the_bound():
    from ase import Atoms

    atoms = Atoms("Be", positions=[[0, 0, 0]], cell=[1.58740, 1.58740, 1.58740], pbc=True)
    _, reasons = check_structures(Structures.from_atoms([atoms]), "Be", 0.5, 1.0, (4.0, 16.0))
    assert "volume per atom 3.99999 Å³ below the allowed 4 Å³" in reasons[0]
