"""Every command-line input that is wrong gets one line naming the file or argument and the fix,
exit code 2, never a traceback."""

import pytest

from mlipcost.cli import main


def files(tmp_path):
    (tmp_path / "prose.in").write_text("hello world\n")
    (tmp_path / "binary.in").write_bytes(bytes(range(128, 256)) * 3)
    (tmp_path / "nogroups.in").write_text("[BISPECTRUM]\ntype = Ta\ntwojmax = 6\nrcutfac = 4.67\n"
                                          "rfac0 = 0.99\n")
    (tmp_path / "badvalue.in").write_text("[BISPECTRUM]\ntype = Ta\ntwojmax = six\nrcutfac = 4\n"
                                          "rfac0 = 0.99\n[GROUPS]\ngroup_sections = name "
                                          "training_size testing_size\n")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "unrelated").mkdir()
    (tmp_path / "unrelated/n100.csv").write_text(",x,y\n0,1,2\n")
    (tmp_path / "data.xyz").write_text("")


CASES = [
    (["fit", "--fitsnap-input", "{t}/prose.in", "--data", "{t}/data.xyz", "--out", "{t}/o"],
     "prose.in: not a FitSNAP input file"),
    (["fit", "--fitsnap-input", "{t}/binary.in", "--data", "{t}/data.xyz", "--out", "{t}/o"],
     "binary.in: not a FitSNAP input file"),
    (["fit", "--fitsnap-input", "{t}/nogroups.in", "--data", "{t}/data.xyz", "--out", "{t}/o"],
     "nogroups.in: no [GROUPS] section"),
    (["fit", "--fitsnap-input", "{t}/badvalue.in", "--data", "{t}/data.xyz", "--out", "{t}/o"],
     "badvalue.in: [BISPECTRUM] twojmax = 'six' is not an integer"),
    (["fit", "--fitsnap-input", "{t}/missing.in", "--data", "{t}/data.xyz", "--out", "{t}/o"],
     "missing.in"),
    (["recommend", "--summary", "{t}/other.csv", "--budget-minutes", "10"],
     "other.csv: not a pareto summary (no column on_front_all_2jmax"),
    (["recommend", "--summary", "{t}/other.csv", "--budget-minutes", "-5"],
     "--budget-minutes -5.0: must be a positive number"),
    (["recommend", "--summary", "{t}/other.csv", "--budget-minutes", "5",
      "--max-energy-rmse", "nan"], "--max-energy-rmse nan: must be a positive number"),
    (["pareto", "--paper-dir", "{t}/unrelated"],
     "unrelated: its n{size}.csv files are not the paper's 3D_pareto results (no column '2Jmax'"),
    (["tables", "--results", "{t}/unrelated"], "unrelated/sweep: no whole_half_2J*.csv"),
    (["check", "{t}/nowhere"], "nowhere is not a folder"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(c[0][:2]) + f" {i}"
                                                       for i, c in enumerate(CASES)])
def test_one_line_error_naming_the_input(tmp_path, capsys, argv, message):
    files(tmp_path)
    code = main([a.replace("{t}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert message in err, err


def test_an_empty_structures_file_is_named(tmp_path):
    from mlipcost.structures.stage import make_configurations

    (tmp_path / "empty.extxyz").write_text("")
    with pytest.raises(ValueError, match="empty.extxyz: holds no configurations"):
        make_configurations("Be", {"source": "file", "path": str(tmp_path / "empty.extxyz")},
                            tmp_path / "c.h5")
