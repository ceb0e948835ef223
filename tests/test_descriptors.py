import numpy as np
import pandas as pd
import pytest
from ase.build import bulk

from mlipcost.descriptors.snap import ROW_ENERGY, ROW_FORCE, SnapCalculator, SnapSettings, n_bispectrum
from mlipcost.io.lammps import rotate_stress_voigt, to_lammps_frame
from mlipcost.structures.configurations import generate_crystals


def test_widths_match_lammps_compute_snap():
    assert [n_bispectrum(j) for j in (4, 6, 8, 10)] == [14, 30, 55, 91]
    assert [SnapSettings(twojmax=j).n_columns for j in (4, 6, 8, 10)] == [119, 495, 1595, 4277]
    assert SnapSettings(twojmax=6, quadraticflag=0, bzeroflag=0).n_columns == 31


@pytest.fixture(scope="module")
def calc():
    with SnapCalculator(SnapSettings(twojmax=4), "Be") as c:
        yield c


def test_rows_and_energy_per_atom(calc):
    atoms = bulk("Be", "hcp", a=2.29, c=3.58)
    atoms.rattle(0.05, seed=2)
    rows = calc.compute(atoms)
    assert rows.a.shape == (1 + 3 * len(atoms), 119)
    assert rows.row_type[0] == ROW_ENERGY and np.all(rows.row_type[1:] == ROW_FORCE)
    # The energy row is divided by the number of atoms: a supercell has the same row.
    big = calc.compute(atoms.repeat((2, 1, 2)))
    np.testing.assert_allclose(big.a[0], rows.a[0], rtol=1e-10, atol=1e-12)


def test_force_rows_are_minus_energy_gradient_in_original_frame(calc):
    atoms = generate_crystals("Be", 4, 4, 8, seed=3).atoms(2)  # strained, sheared cell
    beta = np.random.default_rng(0).normal(size=119) * 0.01
    rows = calc.compute(atoms)
    forces = (rows.a[1:] @ beta).reshape(-1, 3) @ rows.rotation.T
    h = 1e-5
    for atom, axis in ((0, 0), (1, 2)):
        plus, minus = atoms.copy(), atoms.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        e_plus = calc.compute(plus).a[0] @ beta * len(atoms)
        e_minus = calc.compute(minus).a[0] @ beta * len(atoms)
        assert forces[atom, axis] == pytest.approx(-(e_plus - e_minus) / (2 * h), rel=1e-6)


def test_rotated_configuration_gives_same_energy_row(calc):
    atoms = generate_crystals("Be", 4, 4, 8, seed=3).atoms(3)
    rotated = atoms.copy()
    rotated.rotate(37, (1, 2, 3), rotate_cell=True)
    np.testing.assert_allclose(calc.compute(rotated).a[0], calc.compute(atoms).a[0],
                               rtol=1e-9, atol=1e-12)


def test_lammps_frame_rotates_cell_forces_and_stress_together():
    rng = np.random.default_rng(1)
    cell = np.eye(3) * 4 + rng.normal(scale=0.6, size=(3, 3))
    if np.linalg.det(cell) < 0:
        cell = cell[[0, 2, 1]]
    lammps_cell, rot = to_lammps_frame(cell)
    assert lammps_cell[0, 1] == lammps_cell[0, 2] == lammps_cell[1, 2] == 0
    assert np.all(np.diag(lammps_cell) > 0)
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    # the same crystal built in LAMMPS's frame has the rotated forces and stress: computed, not
    # assumed, with ASE's Lennard-Jones in both frames
    from ase import Atoms
    from ase.calculators.lj import LennardJones

    frac = rng.random((5, 3))
    original = Atoms("Be5", scaled_positions=frac, cell=cell, pbc=True)
    turned = Atoms("Be5", scaled_positions=frac, cell=lammps_cell, pbc=True)
    for atoms in (original, turned):
        atoms.calc = LennardJones(sigma=2.0, epsilon=0.1, rc=5.0, smooth=True)
    np.testing.assert_allclose(original.get_positions() @ rot, turned.get_positions(), atol=1e-10)
    np.testing.assert_allclose(original.get_forces() @ rot, turned.get_forces(), atol=1e-9)
    np.testing.assert_allclose(rotate_stress_voigt(original.get_stress(), rot),
                               turned.get_stress(), atol=1e-10)
    assert np.abs(original.get_stress()[3:]).max() > 1e-4      # shear present: a real check
    with pytest.raises(ValueError, match="left-handed"):
        to_lammps_frame(cell[[0, 2, 1]])


def test_reference_potential_is_subtracted_from_the_targets(tmp_path):
    """With a ZBL reference, targets are DFT minus ZBL, per atom for energies (FitSNAP's rule)."""
    from mlipcost.descriptors.snap import DescriptorFile, compute_descriptor_file, descriptor_settings
    from mlipcost.models.fit import build_fit_data
    from mlipcost.dft.labels import Labels

    settings = descriptor_settings({"reference_pair": ["pair_style zbl 4.0 4.82",
                                                       "pair_coeff * * 4 4"]}, 2)
    assert settings.reference_pair
    s = generate_crystals("Be", 2, 2, 4, seed=1)
    with SnapCalculator(settings, "Be") as calc:
        rows = [calc.compute(s.atoms(i)) for i in range(2)]
    compute_descriptor_file(s, settings, "Be", tmp_path / "2J2.h5", {})
    desc = DescriptorFile(tmp_path / "2J2.h5")
    assert np.abs(desc.reference).max() > 0  # ZBL contributes at these distances
    energy = np.array([-3.7 * n for n in s.n_atoms])
    labels = Labels(energy, np.zeros((s.n_atoms.sum(), 3)), np.zeros((2, 6)), np.ones(2),
                    np.ones(2, bool), ["", ""], s.offsets, "1", {})
    data = build_fit_data(desc, [labels], np.ones(2, bool))
    for i in range(2):
        assert data.energy_y[i, 0] == pytest.approx(-3.7 - rows[i].reference[0])
        np.testing.assert_allclose(data.force_y[i][:, 0], -rows[i].reference[1:])


def test_descriptor_file_reads_rows_in_any_order_and_workers_agree(tmp_path):
    """Rows read back per configuration equal compute(); two worker processes write the same
    file as one; stress rows are stored but are not force rows of the fit."""
    from mlipcost.descriptors.snap import DescriptorFile, compute_descriptor_file
    from mlipcost.models.fit import ForceRows

    s = generate_crystals("Be", 40, 2, 6, seed=3)
    settings = SnapSettings(twojmax=2, stress_rows=True)
    compute_descriptor_file(s, settings, "Be", tmp_path / "one.h5", {}, block_rows=50)
    compute_descriptor_file(s, settings, "Be", tmp_path / "two.h5", {}, workers=2)
    one, two = DescriptorFile(tmp_path / "one.h5"), DescriptorFile(tmp_path / "two.h5")
    configs = [7, 3, 4, 5, 39, 0, 4]
    with SnapCalculator(settings, "Be") as calc:
        direct = [calc.compute(s.atoms(i)).a for i in configs]
    for got, want in zip(one.read(configs), direct):
        np.testing.assert_array_equal(got, want)
    for a, b in zip(one.read(range(40)), two.read(range(40))):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one.energy_rows[configs], [d[0] for d in direct])
    kept = ForceRows(one, np.arange(40)).take(configs)
    streamed = ForceRows(one, np.arange(40), in_memory_bytes=0).take(configs)
    for f, g, d, i in zip(kept, streamed, direct, configs):
        assert len(f) == 3 * s.n_atoms[i]
        np.testing.assert_array_equal(f, d[1:1 + 3 * s.n_atoms[i]])
        np.testing.assert_array_equal(g, f)


def test_sweep_from_the_file_equals_the_sweep_in_memory(tmp_path):
    """Force rows streamed from HDF5 give the same sweep as the same rows held in memory."""
    from dataclasses import replace

    from mlipcost.descriptors.snap import DescriptorFile, compute_descriptor_file
    from mlipcost.models.fit import build_fit_data, fit_sweep
    from mlipcost.dft.labels import Labels

    s = generate_crystals("Be", 30, 2, 6, seed=4)
    compute_descriptor_file(s, SnapSettings(twojmax=2), "Be", tmp_path / "2J2.h5", {})
    rng = np.random.default_rng(0)
    n_atoms = int(s.n_atoms.sum())
    labels = [Labels(-3.7 * s.n_atoms + rng.normal(size=30), rng.normal(size=(n_atoms, 3)),
                     np.zeros((30, 6)), np.ones(30), np.ones(30, bool), [""] * 30, s.offsets,
                     str(j + 1), {}) for j in range(2)]
    from_file = build_fit_data(DescriptorFile(tmp_path / "2J2.h5"), labels, np.ones(30, bool))
    in_memory = replace(from_file, force_a=[from_file.force_a[c] for c in range(30)])
    halves = (np.arange(0, 30, 2), np.arange(1, 30, 2))
    args = dict(samplers=["random"], sizes=[5, 15], energy_weights=[1.0, 100.0], repeats=2, seed=1,
                scores={}, reference_level="2", cost_s=np.ones((30, 2)), twojmax=2)
    pd.testing.assert_frame_equal(fit_sweep(from_file, *halves, **args),
                                  fit_sweep(in_memory, *halves, **args))


def test_rejected_configurations_never_reach_lammps(tmp_path):
    """A zero-volume cell the structure check rejected (the tolerance let the set through) gets
    no descriptor rows instead of crashing the descriptors job."""
    from ase.io import write

    from mlipcost.descriptors.snap import DescriptorFile
    from mlipcost.descriptors.stage import run_descriptors
    from mlipcost.structures.stage import make_structures

    good = [bulk("Be", "hcp", a=2.29, c=3.58).repeat((1, 1, 2)) for _ in range(3)]
    for i, atoms in enumerate(good):
        atoms.rattle(0.05, seed=i)
    flat = good[0].copy()
    flat.set_cell([flat.cell[0], flat.cell[0], flat.cell[2]], scale_atoms=False)  # zero volume
    write(tmp_path / "set.extxyz", [good[0], flat, good[1], good[2]], format="extxyz")
    make_structures("Be", {"source": "file", "path": str(tmp_path / "set.extxyz"),
                           "max_rejected_fraction": 0.5, "min_distance_A": 0.5},
                    {"test_fraction": 0.5, "seed": 1}, tmp_path / "structures.h5",
                    log=lambda m: None)
    run_descriptors(tmp_path / "structures.h5", "Be", {}, 2, tmp_path / "2J2.h5",
                    log=lambda m: None)
    desc = DescriptorFile(tmp_path / "2J2.h5")
    assert desc.rows(1).stop == desc.rows(1).start            # no rows for the rejected cell
    assert np.isnan(desc.energy_rows[1]).all()
    assert np.isfinite(desc.energy_rows[[0, 2, 3]]).all()
    assert [desc.rows(i).stop - desc.rows(i).start for i in (0, 2, 3)] == [1 + 3 * 4] * 3


def test_a_killed_descriptors_job_resumes_from_its_last_block(tmp_path, monkeypatch):
    """Blocks are committed to part files as they finish: a rerun computes only the missing
    ones and writes a file identical to an uninterrupted run's."""
    import h5py

    import mlipcost.descriptors.snap as d
    from mlipcost.descriptors.snap import descriptor_settings

    s = generate_crystals("Be", 10, 2, 4, seed=4)
    settings = descriptor_settings({}, 2)
    d.compute_descriptor_file(s, settings, "Be", tmp_path / "clean.h5", {}, block_rows=20)
    original, calls = d._compute_part, []

    def dies_after_two(path, *args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        calls.append(path.name)
        original(path, *args, **kwargs)

    monkeypatch.setattr(d, "_compute_part", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        d.compute_descriptor_file(s, settings, "Be", tmp_path / "2J2.h5", {}, block_rows=20)
    assert not (tmp_path / "2J2.h5").exists()
    assert len(list((tmp_path / ".2J2.h5.parts").glob("part*.h5"))) == 2

    def counted(path, *args, **kwargs):
        calls.append(path.name)
        original(path, *args, **kwargs)

    monkeypatch.setattr(d, "_compute_part", counted)
    messages = []
    d.compute_descriptor_file(s, settings, "Be", tmp_path / "2J2.h5", {}, block_rows=20,
                              log=messages.append)
    n_blocks = len(d._block_ranges(1 + 3 * s.n_atoms, np.arange(len(s)), 20))
    assert len(calls) == n_blocks > 3                 # 2 before the kill, the rest after
    assert any(m.startswith(f"resumed: 2 of {n_blocks} blocks") for m in messages)
    assert not (tmp_path / ".2J2.h5.parts").exists()
    with h5py.File(tmp_path / "clean.h5") as a, h5py.File(tmp_path / "2J2.h5") as b:
        for key in ("A", "reference", "row_type", "row_atom", "rotation", "energy_rows",
                    "row_offsets"):
            np.testing.assert_array_equal(a[key][()], b[key][()], err_msg=key)


def test_parts_read_in_order_are_the_file(tmp_path):
    """Descriptor parts computed as separate jobs, read in order, are the single file: the
    same rows and metadata bit for bit; parts out of order or missing are refused by name."""
    from mlipcost.descriptors.snap import (DescriptorFile, compute_descriptor_file,
                                           compute_descriptor_part, part_ranges)

    s = generate_crystals("Be", 23, 1, 6, seed=5)
    settings = SnapSettings(twojmax=2, stress_rows=True)
    compute_descriptor_file(s, settings, "Be", tmp_path / "whole.h5", {})
    parts = [tmp_path / f"part{k}of3.h5" for k in range(3)]
    for k, path in enumerate(parts):
        compute_descriptor_part(s, settings, "Be", path, {}, k, 3, log=lambda m: None)
    whole, scattered = DescriptorFile(tmp_path / "whole.h5"), DescriptorFile(parts)
    for key in ("reference", "row_type", "row_offsets", "rotation", "energy_rows"):
        np.testing.assert_array_equal(getattr(whole, key), getattr(scattered, key), err_msg=key)
    configs = [22, 0, 7, 8, 9, 15, 3, 22]
    for a, b in zip(whole.read(configs), scattered.read(configs)):
        np.testing.assert_array_equal(a, b)

    rows = 1 + 3 * s.n_atoms + 6
    ranges = part_ranges(rows, 3)
    assert ranges[0][0] == 0 and ranges[-1][1] == 23
    assert all(lo < hi for lo, hi in ranges)
    shares = [rows[lo:hi].sum() / rows.sum() for lo, hi in ranges]
    assert max(shares) < 1 / 3 + rows.max() / rows.sum()
    assert part_ranges(np.ones(2, int), 5) == [(0, 1), (1, 2)]
    with pytest.raises(ValueError, match="not one set in order"):
        DescriptorFile([parts[1], parts[0], parts[2]])
    with pytest.raises(ValueError, match="a part is missing"):
        DescriptorFile(parts[:2])
