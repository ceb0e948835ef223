"""FitSNAP's Ta linear SNAP standard, fitted from its own input file and data."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlipcost.models.fitsnap_compat import read_fitsnap_input
from mlipcost.io.lammps import new_lammps


@pytest.fixture(scope="module")
def ta_fit(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("ta")
    mlipcost = Path(sys.executable).with_name("mlipcost")
    proc = subprocess.run([str(mlipcost), "fit",
                           "--fitsnap-input", str(shared / "reference/fitsnap_ta_linear/Ta-example.in"),
                           "--data", str(shared / "data/ta_fitsnap.extxyz.gz"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_coefficients_equal_fitsnap(shared, ta_fit):
    out, _ = ta_fit
    ours = np.loadtxt(out / "Ta_pot.snapcoeff", skiprows=4, usecols=0)
    theirs = np.loadtxt(shared / "reference/fitsnap_ta_linear/Ta_pot.snapcoeff", skiprows=4, usecols=0)
    assert ours.shape == theirs.shape == (31,)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_training_rmse_equal_fitsnap(ta_fit):
    out, stdout = ta_fit
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["Train|*ALL|Unweighted|Energy"]["rmse"] == pytest.approx(0.379769, abs=1e-5)
    assert metrics["Train|*ALL|Unweighted|Force"]["rmse"] == pytest.approx(0.160973, abs=1e-5)
    assert metrics["Train|*ALL|Unweighted|Energy"]["ncount"] == 363
    assert metrics["Train|Displaced_BCC|Unweighted|Force"]["rmse"] == pytest.approx(0.184865, abs=1e-5)
    assert "training energy RMSE 0.379769" in stdout


def test_lammps_pair_snap_reproduces_the_fitted_model(shared, ta_fit):
    """pair_style snap (+ the ZBL reference) with the written files predicts what the fit does."""
    from ase.io import read

    from mlipcost.descriptors.snap import SnapCalculator

    out, _ = ta_fit
    spec = read_fitsnap_input(shared / "reference/fitsnap_ta_linear/Ta-example.in")
    coefs = np.loadtxt(out / "Ta_pot.snapcoeff", skiprows=4, usecols=0)
    atoms = read(shared / "data/ta_fitsnap.extxyz.gz", index=0)
    with SnapCalculator(spec.settings, "Ta") as calc:
        rows = calc.compute(atoms)
    n = len(atoms)
    predicted_energy = n * (rows.a[0] @ coefs + rows.reference[0])
    predicted_forces = (rows.a[1:1 + 3 * n] @ coefs + rows.reference[1:1 + 3 * n]).reshape(n, 3)

    lmp = new_lammps()
    cell = atoms.cell.array
    lmp.command("units metal")
    lmp.command("atom_style atomic")
    lmp.command("atom_modify map array sort 0 2.0")
    lmp.command(f"region b prism 0 {cell[0,0]} 0 {cell[1,1]} 0 {cell[2,2]} "
                f"{cell[1,0]} {cell[2,0]} {cell[2,1]}")
    lmp.command("create_box 1 b")
    for x, y, z in atoms.get_positions(wrap=True):
        lmp.command(f"create_atoms 1 single {x:.17g} {y:.17g} {z:.17g} units box")
    lmp.command("mass 1 180.88")
    lmp.command("pair_style hybrid/overlay zbl 4.0 4.8 snap")
    lmp.command("pair_coeff * * zbl 73 73")
    lmp.command(f"pair_coeff * * snap {out}/Ta_pot.snapcoeff {out}/Ta_pot.snapparam Ta")
    lmp.command("run 0")
    energy = lmp.get_thermo("pe")
    forces = np.array(lmp.numpy.extract_atom("f")[:n], copy=True)
    lmp.close()
    assert energy / n == pytest.approx(predicted_energy / n, abs=1e-8)
    np.testing.assert_allclose(forces, predicted_forces, atol=1e-7)


def test_input_errors_name_the_section(tmp_path, shared):
    text = (shared / "reference/fitsnap_ta_linear/Ta-example.in").read_text()
    bad = tmp_path / "bad.in"
    bad.write_text(text.replace("solver = SVD", "solver = RIDGE"))
    with pytest.raises(ValueError, match=r"\[SOLVER\] solver = RIDGE"):
        read_fitsnap_input(bad)
