"""Labels imported from a file (``labels_from``) must be the configurations they label."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

from mlipcost.structures.importers import import_labels
from mlipcost.structures.configurations import Structures


def configurations():
    out = []
    for i, (name, a) in enumerate([("hcp", 2.29), ("bcc", 2.55), ("fcc", 3.2), ("bcc", 2.6)]):
        atoms = bulk("Be", name, a=a, cubic=name != "hcp").repeat((2, 1, 1))
        atoms.rattle(0.05, seed=i)
        out.append(atoms)
    return out


def label_file(path, frames, ids=None):
    labelled = []
    for j, atoms in enumerate(frames):
        atoms = atoms.copy()
        atoms.calc = SinglePointCalculator(atoms, energy=-3.0 * len(atoms) - j,
                                           forces=np.full((len(atoms), 3), 0.01 * j))
        if ids is not None:
            atoms.info["config_id"] = ids[j]
        labelled.append(atoms)
    write(path, labelled, format="extxyz")
    return {"path": str(path)}


def test_an_aligned_file_imports_even_with_atoms_wrapped_across_the_cell(tmp_path):
    confs = configurations()
    structures = Structures.from_atoms(confs)
    shifted = [a.copy() for a in confs]
    shifted[1].positions[0] += shifted[1].cell[0]          # the same configuration
    data = import_labels(structures, np.arange(4), label_file(tmp_path / "l.xyz", shifted), "1")
    assert (data["status"] == "ok").all()
    np.testing.assert_allclose(data["energy_eV"], [-3.0 * len(a) - j for j, a in enumerate(confs)])


def test_swapped_frames_are_an_error_naming_the_configuration(tmp_path):
    confs = configurations()
    structures = Structures.from_atoms(confs)
    swapped = [confs[0], confs[3], confs[2], confs[1]]       # 1 and 3: both 4-atom bcc cells
    assert len(confs[1]) == len(confs[3])
    with pytest.raises(ValueError, match=r"configuration 1 \(structure 1\).*cell differs"):
        import_labels(structures, np.arange(4), label_file(tmp_path / "l.xyz", swapped), "1")


def test_a_moved_atom_is_an_error(tmp_path):
    confs = configurations()
    structures = Structures.from_atoms(confs)
    moved = [a.copy() for a in confs]
    moved[2].positions[1] += [0.0, 0.0, 0.2]
    with pytest.raises(ValueError, match=r"configuration 2 .*an atom lies 0.2 Å"):
        import_labels(structures, np.arange(4), label_file(tmp_path / "l.xyz", moved), "1")


def test_duplicate_ids_are_refused(tmp_path):
    confs = configurations()
    structures = Structures.from_atoms(confs)
    spec = label_file(tmp_path / "l.xyz", [confs[0], confs[1], confs[1]], ids=[0, 1, 1])
    with pytest.raises(ValueError, match="configuration 1 is labelled twice"):
        import_labels(structures, np.arange(4), spec, "1")


def test_a_label_file_without_the_added_bulk_reference_is_told_why(tmp_path):
    """The structures hold the source's configurations and the bulk reference mlipcost adds; a
    label file of the source alone is one frame short, and the message says so."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    from mlipcost.structures.importers import import_labels
    from mlipcost.structures.configurations import BULK_REFERENCE, Structures, bulk_reference, generate_crystals

    source = generate_crystals("Be", 3, 2, 4, seed=3)
    atoms = [source.atoms(i) for i in range(3)]
    structures = Structures.from_atoms(atoms + [bulk_reference("Be", 2)],
                                       ["crystal"] * 3 + [BULK_REFERENCE])
    frames = []
    for a in atoms:
        a = a.copy()
        a.calc = SinglePointCalculator(a, energy=-3.0 * len(a), forces=np.zeros((len(a), 3)))
        frames.append(a)
    write(tmp_path / "labels.extxyz", frames, format="extxyz")
    with pytest.raises(ValueError, match=r"3 configurations for 4 structures \(3 from the "
                                         r"structures source and the bulk reference mlipcost "
                                         r"adds.*structures\.bulk_reference: false"):
        import_labels(structures, np.arange(4), {"path": str(tmp_path / "labels.extxyz")}, "1")


def test_a_cell_that_cannot_be_inverted_is_named_not_a_linalg_error():
    from ase import Atoms

    from pathlib import Path

    from mlipcost.structures.importers import check_frame_matches
    from mlipcost.structures.configurations import Structures

    flat = Atoms("Be2", positions=[[0, 0, 0], [1, 1, 0]], cell=[[3, 0, 0], [0, 3, 0], [3, 3, 0]],
                 pbc=True)
    structures = Structures.from_atoms([flat])
    with pytest.raises(ValueError, match=r"labels.extxyz: configuration 7 \(structure 0\): its "
                                         r"cell .* cannot be inverted"):
        check_frame_matches(Path("labels.extxyz"), 7, flat, structures, 0)
