"""Each bad command-line input is a one-line error naming the option and the fix, exit status 2,
never a traceback; reference-potential lines reach LAMMPS only as pair styles."""

from pathlib import Path

import pytest

from mlipcost.cli import main
from mlipcost.descriptors.snap import SnapSettings, check_reference_pair

REPO = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    status = main(list(argv))
    err = capsys.readouterr().err.strip()
    return status, err


@pytest.fixture
def bad(tmp_path):
    (tmp_path / "empty.xyz").touch()
    (tmp_path / "folder").mkdir()
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    (tmp_path / "junk.xyz").write_text("garbage\n")
    (tmp_path / "notsnap.snapcoeff").write_text("hello\n")
    (tmp_path / "ok.snapparam").write_text("twojmax 2\nrcutfac 4.8\n")
    return tmp_path


@pytest.mark.parametrize("name", ["empty.xyz", "folder", "junk.xyz"])
def test_fit_data_that_is_not_training_data(capsys, bad, name, shared):
    fitsnap_input = shared / "reference" / "fitsnap_ta_linear" / "Ta-example.in"
    status, err = run(capsys, "fit", "--fitsnap-input", str(fitsnap_input),
                      "--data", str(bad / name), "--out", str(bad / "out"))
    assert status == 2 and err.count("\n") == 0 and name in err and "Traceback" not in err


@pytest.mark.parametrize("name, says", [("bad.yaml", "not valid YAML at line 2"),
                                        ("folder", "is a folder")])
def test_yaml_options_that_are_not_yaml_files(capsys, bad, name, says):
    for argv in (["claims", "--claims-file"], ["estimate", "--configfile"]):
        status, err = run(capsys, *argv, str(bad / name))
        assert status == 2 and says in err and argv[1] in err


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "0"])
def test_estimate_numbers_must_be_positive_and_finite(capsys, value):
    status, err = run(capsys, "estimate", "--configfile", str(REPO / "config" / "paper.yaml"),
                      "--dft-seconds", value)
    assert status == 2 and "--dft-seconds" in err and "positive number" in err


def test_properties_refuses_files_that_are_not_snap(capsys, bad):
    status, err = run(capsys, "properties", "--coeff", str(bad / "notsnap.snapcoeff"),
                      "--param", str(bad / "ok.snapparam"), "--element", "Be")
    assert status == 2 and "not a SNAP coefficient file" in err


@pytest.mark.parametrize("lines", [
    ["pair_style zbl 4.0 4.8", "shell touch pwned"],
    ["pair_style python 4.0", "pair_coeff * * x"],
    ["pair_style zbl ${cut} 4.8", "pair_coeff * * 4 4"],
    ["pair_style zbl 4.0 4.8; shell ls", "pair_coeff * * 4 4"],
    ["pair_style hybrid/overlay zbl 4.0 4.8 python 1", "pair_coeff * * zbl 4 4"],
    ["pair_coeff * * 4 4"],
])
def test_reference_pair_lines_other_than_pair_styles_are_refused(lines, capsys, tmp_path):
    with pytest.raises(ValueError, match="reference_pair"):
        check_reference_pair(lines)
    with pytest.raises(ValueError, match="reference_pair"):
        SnapSettings(twojmax=2, reference_pair=tuple(lines))
    status, err = run(capsys, "properties", "--coeff", "x.snapcoeff", "--param", "x.snapparam",
                      "--element", "Be", "--reference-pair", *lines)
    assert status == 2 and "reference_pair" in err
    assert not (tmp_path / "pwned").exists()


def test_reference_pairs_fitsnap_uses_pass():
    check_reference_pair(["pair_style hybrid/overlay zero 10.0 zbl 4.0 4.8",
                          "pair_coeff * * zero", "pair_coeff 1 1 zbl 73 73"])
    check_reference_pair(["pair_style zbl 4.0 4.8", "pair_coeff * * 4 4"])
    check_reference_pair(["pair_style eam/alloy", "pair_coeff * * W_Be.eam.alloy W Be"])
