"""VASP without VASP: inputs against expected files, parsing of real outputs, custodian's job
path with a stand-in executable."""

import os
import stat

import numpy as np
import pytest
import yaml
from ase.build import bulk

from mlipcost.dft.backend import result_keys
from mlipcost.dft.chunks import label_chunk
from mlipcost.dft.ladder import Level, kmesh
from mlipcost.dft.vasp_backend import (KBAR_TO_EV_PER_A3, VaspBackend, VaspParseError, guarded,
                                       parse_outputs, write_inputs)
from mlipcost.structures.configurations import Structures

from .conftest import REPO

EXPECTED_INCAR_LEVEL3 = """EDIFF = 1e-06
ENCUT = 400.0
IBRION = -1
ISMEAR = 1
ISYM = 0
LCHARG = False
LREAL = False
LWAVE = False
NELM = 200
NSW = -1
PREC = Accurate
SIGMA = 0.2
"""


def paper_levels():
    config = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    return [Level.from_config(e, config["dft"]["smearing"]) for e in config["dft"]["levels"]]


def be_50_atoms():
    atoms = bulk("Be", "hcp", a=2.29, c=3.58).repeat((5, 5, 1))
    atoms.rattle(0.05, seed=1)
    return atoms


def read_incar(path):
    return dict(line.split(" = ") for line in path.read_text().splitlines())


def test_inputs_for_the_six_paper_levels(tmp_path):
    atoms = be_50_atoms()
    incars, meshes = [], []
    for level in paper_levels():
        mesh = kmesh(atoms.cell.array, level.kspacing_per_A, "round")
        d = tmp_path / f"level{level.name}"
        info = write_inputs(atoms, level, mesh, d, "Be")
        assert "POTCAR.spec" in info["potcar"] or (d / "POTCAR").exists()
        incars.append(read_incar(d / "INCAR"))
        kpoints = (d / "KPOINTS").read_text().splitlines()
        assert kpoints[2].lower().startswith("gamma")
        assert tuple(int(n) for n in kpoints[3].split()) == mesh
        meshes.append(mesh)
    assert [i["ENCUT"] for i in incars] == ["300.0", "300.0", "400.0", "500.0", "700.0", "900.0"]
    for incar in incars:  # identical but for ENCUT
        assert {k: v for k, v in incar.items() if k != "ENCUT"} == \
               {k: v for k, v in incars[0].items() if k != "ENCUT"}
    assert meshes[0] == (1, 1, 1) and meshes[-1][0] > meshes[3][0]
    assert incars[0]["ISMEAR"] == "1" and incars[0]["SIGMA"] == "0.2"
    assert incars[0]["NSW"] == "0" and incars[0]["IBRION"] == "-1"


def test_incar_matches_expected_file(tmp_path):
    level = paper_levels()[2]
    write_inputs(be_50_atoms(), level, (2, 2, 3), tmp_path, "Be")
    expected = read_incar_text(EXPECTED_INCAR_LEVEL3.replace("NSW = -1", "NSW = 0"))
    assert read_incar(tmp_path / "INCAR") == expected


def read_incar_text(text):
    return dict(line.split(" = ") for line in text.strip().splitlines())


def test_parse_real_static_run(shared):
    result = parse_outputs(shared / "fixtures/vasp/static_kspacing")
    assert result["energy_eV"] == pytest.approx(-10.84147289)
    assert result["energy_sigma0_eV"] == pytest.approx(-10.84147246)
    assert result["wall_time_s"] == pytest.approx(18.865)
    assert result["cpu_time_s"] == pytest.approx(9.141)
    assert result["forces_eV_per_A"].shape == (2, 3)
    np.testing.assert_allclose(result["stress_eV_per_A3"][:3], 0.4813514 * KBAR_TO_EV_PER_A3)
    assert result["scf_iterations"] == 4
    assert result["code_version"] == "vasp 6.4.2"
    assert result["kmesh_used"] == (7, 7, 7)
    # a typed backend result once the runner adds its attempts
    assert set(result) - {"kmesh_used"} | {"attempts"} == set(result_keys())


@pytest.mark.parametrize("folder", ["truncated", "relax_large_cell"])
def test_incomplete_runs_are_parse_errors(shared, tmp_path, folder):
    with pytest.raises(VaspParseError, match="truncated or incomplete"):
        parse_outputs(shared / "fixtures/vasp" / folder)


def stand_in_vasp(tmp_path, shared, fail_first=False):
    """A 'vasp_std' that writes the real fixture outputs (after one truncated run if asked)."""
    fixture = shared / "fixtures/vasp"
    script = tmp_path / "vasp_std"
    counter = tmp_path / "calls"
    script.write_text(f"""#!/usr/bin/env bash
n=$(cat {counter} 2>/dev/null || echo 0); echo $((n+1)) > {counter}
if [ "{int(fail_first)}" = 1 ] && [ "$n" = 0 ]; then
  zcat {fixture}/truncated/vasprun.xml.gz > vasprun.xml; echo crashed; exit 0
fi
zcat {fixture}/static_kspacing/vasprun.xml.gz > vasprun.xml
zcat {fixture}/static_kspacing/OUTCAR.gz > OUTCAR
echo " running on 1 total cores"
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, counter


def si_atoms():
    return bulk("Si", "diamond", a=5.43)


def test_custodian_job_path_with_stand_in(shared, tmp_path):
    script, counter = stand_in_vasp(tmp_path, shared)
    backend = VaspBackend(command=str(script), potcar="Si")
    result = backend.calculate(si_atoms(), Level("1", 520.0, 0.5), (7, 7, 7), tmp_path / "run")
    assert result["energy_eV"] == pytest.approx(-10.84147289)
    assert result["wall_time_s"] == pytest.approx(18.865)
    assert counter.read_text().strip() == "1"


def test_failed_run_is_recorded_then_retried(shared, tmp_path):
    script, counter = stand_in_vasp(tmp_path, shared, fail_first=True)
    backend = VaspBackend(command=str(script), potcar="Si", max_errors=1)
    structures = Structures.from_atoms([si_atoms()])
    messages = []
    records = label_chunk(structures, 0, 1, Level("1", 520.0, 0.3), backend, tmp_path / "rec",
                          "ceil", max_attempts=2, log=messages.append)
    assert str(records[0]["status"]) == "ok"
    assert counter.read_text().strip() == "2"
    assert any("attempt 1 failed" in m for m in messages)


def test_guard_refuses_a_correction_that_changes_precision(tmp_path):
    from custodian.custodian import ErrorHandler
    from pymatgen.io.vasp.inputs import Incar

    class RaisesCutoff(ErrorHandler):
        def check(self, directory="./"):
            return True

        def correct(self, directory="./"):
            incar = Incar.from_file(os.path.join(directory, "INCAR"))
            incar["ENCUT"] = 1.3 * incar["ENCUT"]
            incar["ALGO"] = "All"
            incar.write_file(os.path.join(directory, "INCAR"))
            return {"errors": ["brmix"], "actions": [{"dict": "INCAR"}]}

    write_inputs(be_50_atoms(), paper_levels()[2], (2, 2, 3), tmp_path, "Be")
    before = (tmp_path / "INCAR").read_text()
    result = guarded(RaisesCutoff)().correct(directory=str(tmp_path))
    assert result["actions"] is None
    assert "ENCUT" in result["errors"][-1]
    assert (tmp_path / "INCAR").read_text() == before


def test_inputs_of_one_level_differ_only_in_structure_and_mesh(tmp_path):
    from mlipcost.structures.configurations import generate_crystals

    level = paper_levels()[3]
    structures = generate_crystals("Be", 4, 40, 60, seed=2)
    incars, meshes = set(), set()
    for i in range(len(structures)):
        atoms = structures.atoms(i)
        mesh = kmesh(atoms.cell.array, level.kspacing_per_A, "round")
        write_inputs(atoms, level, mesh, tmp_path / str(i), "Be")
        incars.add((tmp_path / str(i) / "INCAR").read_text())
        kpts = (tmp_path / str(i) / "KPOINTS").read_text().splitlines()
        assert tuple(int(n) for n in kpts[3].split()) == mesh
        meshes.add(mesh)
    assert len(incars) == 1
