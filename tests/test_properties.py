"""Material-property routines: closed-form checks, FitSNAP's Ta standard, and DFT (GPAW) whose
equation of state is ASE's fit of the same record-store energies."""

import numpy as np
import pytest
from ase.build import bulk
from ase.eos import EquationOfState
from ase.units import GPa

from mlipcost.axes.properties import (NoEquilibrium, elastic_cells, elastic_constants, eos_cells,
                                      eos_fit, lammps_evaluator, material_properties, pair_commands,
                                      strained)

# Thompson et al., J. Comput. Phys. 285 (2015) 316: the lattice constant of their Ta SNAP
# potential, the one LAMMPS's examples/snap/in.snap.Ta06A runs at
TA_PAPER_LATTICE_A = 3.316


def test_elastic_constants_of_a_linear_elastic_solid_are_recovered():
    c = np.zeros((6, 6))
    c[:3, :3] = [[300, 120, 90], [120, 300, 90], [90, 90, 350]]
    c[3, 3] = c[4, 4] = 160
    c[5, 5] = (300 - 120) / 2
    cell = bulk("Be", "hcp", a=2.29, c=3.58)

    def stress(atoms):   # σ = C ε (Voigt, engineering shear), ASE's sign convention
        f = np.linalg.solve(cell.cell.array, atoms.cell.array).T
        e = 0.5 * (f + f.T) - np.eye(3)
        voigt = np.array([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])
        return c @ voigt * GPa
    cells = elastic_cells(cell, "hcp", 0.01)
    got = elastic_constants("hcp", 0.01, [stress(a) for a in cells])
    assert got == pytest.approx({"C11_GPa": 300, "C12_GPa": 120, "C13_GPa": 90, "C33_GPa": 350,
                                 "C44_GPa": 160}, rel=1e-3)


def test_eos_fit_recovers_a_birch_murnaghan_curve_and_refuses_one_without_a_minimum():
    from ase.eos import birchmurnaghan

    cell = bulk("Be", "fcc", a=3.17)
    cells = eos_cells(cell, 0.06, 9)
    v0, b0 = 1.02 * cell.get_volume(), 120 * GPa
    energies = [birchmurnaghan(c.get_volume(), -3.7, b0, 3.8, v0) for c in cells]
    fit = eos_fit(cells, energies)
    assert fit["volume_A3_per_atom"] == pytest.approx(v0, rel=1e-6)
    assert fit["bulk_modulus_GPa"] == pytest.approx(120, rel=1e-5)
    with pytest.raises(NoEquilibrium):
        eos_fit(cells, [-c.get_volume() for c in cells])


@pytest.fixture(scope="module")
def ta(shared):
    d = shared / "reference/fitsnap_ta_linear"
    commands = pair_commands(d / "Ta_pot.snapcoeff", d / "Ta_pot.snapparam", "Ta",
                             ["pair_style zbl 4.0 4.8", "pair_coeff * * 73 73"])
    return lammps_evaluator(commands, "Ta")


def test_fitsnap_ta_standard_lattice_and_elastic_constants(ta, capsys):
    """FitSNAP's Ta linear standard in LAMMPS: the lattice constant of the paper's potential;
    stress-strain C_ij equal the energy's curvature, and (C11 + 2 C12)/3 the EOS modulus. The
    strain is small (0.2 %): bcc Ta's third neighbour shell (4.69 Å) sits at this potential's
    cutoff (4.68 Å), so percent strains move it across and average the constants."""
    values = material_properties(ta, "Ta", {"phases": ["bcc"], "eos_volume_range": 0.003,
                                            "elastic_strain": 0.002,
                                            "vacancy_supercell": [0, 0, 0]},
                                 lattices={"bcc": {"a": 3.315}})
    assert values["bcc_a_A"] == pytest.approx(TA_PAPER_LATTICE_A, abs=0.003)
    b_from_c = (values["bcc_C11_GPa"] + 2 * values["bcc_C12_GPa"]) / 3
    assert b_from_c == pytest.approx(values["bcc_bulk_modulus_GPa"], rel=0.02)
    cell = bulk("Ta", "bcc", a=values["bcc_a_A"])
    h = 1e-3
    energies = [e for e, _ in ta([strained(cell, 0, s) for s in (-h, 0.0, h)])]
    curvature = (energies[0] - 2 * energies[1] + energies[2]) / h ** 2 / cell.get_volume() / GPa
    assert values["bcc_C11_GPa"] == pytest.approx(curvature, rel=0.01)
    with capsys.disabled():
        print(f"\nFitSNAP Ta linear standard, LAMMPS: a {values['bcc_a_A']:.4f} Å (paper's "
              f"potential: {TA_PAPER_LATTICE_A} Å), B {values['bcc_bulk_modulus_GPa']:.1f} GPa, "
              f"C11 {values['bcc_C11_GPa']:.1f}, C12 {values['bcc_C12_GPa']:.1f}, "
              f"C44 {values['bcc_C44_GPa']:.1f} GPa")


def test_dft_properties_are_aseos_fits_of_the_record_store_energies(tmp_path):
    import json

    from mlipcost.dft.chunks import label_chunk
    from mlipcost.dft.jobs import run_dft_properties
    from mlipcost.dft.ladder import Level
    from mlipcost.dft.store import OfflineBackend, make_backend, record_folder
    from mlipcost.axes.properties import reference_cell
    from mlipcost.structures.configurations import Structures

    dft = {"code": "gpaw", "kmesh_rounding": "ceil",
           "smearing": {"method": "methfessel-paxton", "order": 1, "width_eV": 0.2},
           "levels": [{"name": "1", "cutoff_eV": 300, "kspacing_per_A": 0.3}]}
    settings = {"phases": ["fcc"], "eos_points": 5, "eos_volume_range": 0.08,
                "vacancy_supercell": [0, 0, 0]}
    out = tmp_path / "dft_level1.json"
    run_dft_properties(dft, "1", "Be", settings, out, record_store=tmp_path / "store",
                       work_dir=tmp_path / "work", log=lambda *_: None)
    values = json.loads(out.read_text())
    assert values["property_cells_computed"] == 5 + 4
    # the same energies, read back from the store only (nothing recomputed), fitted by ASE
    level = Level.from_config(dft["levels"][0], dft["smearing"])
    backend = make_backend(dft)
    folder, _ = record_folder(tmp_path / "store", dft, backend, level)
    cells = eos_cells(reference_cell("Be", "fcc"), 0.08, 5)
    records = label_chunk(Structures.from_atoms(cells, ["eos"] * 5), 0, 5, level,
                          OfflineBackend(backend, folder), folder, "ceil")
    assert all(r.get("from_store") for r in records)
    volumes = [c.get_volume() for c in cells]
    v0, e0, b0 = EquationOfState(volumes, [r["energy_eV"] for r in records],
                                 eos="birchmurnaghan").fit()
    assert values["fcc_volume_A3_per_atom"] == pytest.approx(v0, rel=1e-9)
    assert values["fcc_bulk_modulus_GPa"] == pytest.approx(b0 / GPa, rel=1e-9)
    assert values["fcc_a_A"] == pytest.approx((4 * v0) ** (1 / 3), rel=1e-9)
    assert 80 < values["fcc_C11_GPa"] < 500 and values["fcc_C44_GPa"] > 0


def test_properties_command_prints_the_potentials_properties(shared, capsys):
    from mlipcost.cli import main

    d = shared / "reference/fitsnap_ta_linear"
    assert main(["properties", "--coeff", str(d / "Ta_pot.snapcoeff"), "--param",
                 str(d / "Ta_pot.snapparam"), "--element", "Ta", "--phases", "bcc",
                 "--lattice", "bcc=3.315", "--reference-pair", "pair_style zbl 4.0 4.8",
                 "pair_coeff * * 73 73", "--strain", "0.002", "--volume-range", "0.003",
                 "--vacancy-supercell", "0", "0", "0"]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert float(lines["bcc_a_A"]) == pytest.approx(TA_PAPER_LATTICE_A, abs=0.003)
