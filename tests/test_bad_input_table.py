"""The bad-input table: every input the workflow reads (config keys, structure files, label
files, the paper's pickled HDF files, the results folder itself) given one bad value. Each gives
one line naming the key or file and the fix, no traceback, and leaves what was already computed
as it was. FitSNAP inputs and command-line arguments: tests/test_bad_inputs.py."""

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
SCHEMA = "workflow/schemas/config.schema.yaml"


def _set(config, dotted, value):
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


DELETE = object()


def _file_source(t, name, text=None):
    """structures.source: file with the path ``name`` under the case's folder (written when
    ``text`` is given)."""
    if text is not None:
        (t / name).write_text(text)
    return {"structures": {"source": "file", "path": str(t / name)}}


# (case, edits of .test/config/config.yaml as {dotted key: value}, or a function of the case's
# folder returning such edits; what the one-line error must say)
WORKFLOW_CASES = [
    ("config: value not allowed", {"dft.code": "qe"},
     "dft.code: 'qe' is not one of ['gpaw', 'vasp']"),
    ("config: unknown key", {"fit.energy_weight": [1]},
     "unknown key fit.energy_weight; fit takes clamp_training_sizes, energy_weights"),
    ("config: wrong type", {"split.test_fraction": "half"},
     "split.test_fraction: 'half' is not of type 'number'"),
    ("config: bad element symbol", {"element": "be"}, "element: 'be' does not match"),
    ("config: required key missing", {"fit.reference_level": DELETE},
     "fit: 'reference_level' is a required property"),
    ("config: level without cutoff", {"dft.levels.0.cutoff_eV": DELETE},
     "dft.levels[1]: ['cutoff_eV'] required (or labels_from"),
    ("config: reference level not a level", {"fit.reference_level": "9"},
     "fit.reference_level: '9' is not a level; choose one of ['1', '2', '3']"),
    ("config: duplicate level names", {"dft.levels.1.name": "1"},
     "dft.levels: level names must be unique"),
    ("config: training size too large", {"fit.training_sizes": [2, 40]},
     "fit.training_sizes [40] exceed the 4 training"),
    ("structures: file missing", lambda t: _file_source(t, "nowhere.extxyz"),
     "structures.path: {t}/nowhere.extxyz is not a file"),
    ("structures: empty file", lambda t: _file_source(t, "empty.extxyz", ""),
     "{t}/empty.extxyz: holds no configurations (structures.path)"),
    ("structures: not extxyz", lambda t: _file_source(t, "junk.extxyz", "2\nLattice=\"1 0\"\n"
                                                      "Be 0 0 x\n"),
     "{t}/junk.extxyz: ASE cannot read it as the format its name implies"),
    ("structures: paper HDF without trusted",
     lambda t: {"structures": {"source": "paper_hdf", "path": str(_touch(t / "Be_structures.h5"))}},
     "structures.path: {t}/Be_structures.h5 is a pandas/PyTables HDF file of pickled Python "
     "objects; reading it runs code stored in the file. Set `trusted: true`"),
    ("labels: file missing",
     lambda t: {"dft.levels.2.labels_from": {"path": str(t / "level3.extxyz")}},
     "dft.levels[3].labels_from.path: {t}/level3.extxyz is not a file"),
    ("labels: paper HDF without trusted",
     lambda t: {"dft.levels.2.labels_from": {"path": str(_touch(t / "Be_prec_3.h5")),
                                             "format": "paper_hdf"}},
     "dft.levels[3].labels_from.path: {t}/Be_prec_3.h5 is a pandas/PyTables HDF file"),
]


def _touch(path):
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    return path


def _snapshot(root):
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                             p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def study(tmp_path):
    """A folder with results already computed (stand-ins with known bytes and times)."""
    for name in ("results/structures.h5", "results/labels/level1.h5",
                 "results/dft/level2/chunk0.h5", "results/sweep/2J2.csv",
                 "results/sweep/2J2.csv.provenance.json"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hashlib.sha256(name.encode()).digest() * 10)
    return tmp_path


@pytest.mark.parametrize("case, edits, message", WORKFLOW_CASES, ids=[c[0] for c in WORKFLOW_CASES])
def test_a_bad_config_or_input_file_stops_the_workflow_in_one_line(study, case, edits, message):
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    config.pop("compare_with_paper")
    if callable(edits):
        edits = edits(study)
    for key, value in edits.items():
        if key in config and isinstance(value, dict) and "." not in key:
            config[key] = value
        else:
            _set(config, key, value)
    (study / "config").mkdir()
    (study / "config/study.yaml").write_text(yaml.safe_dump(config))
    before = _snapshot(study / "results")
    # a real run, not a dry run: it must stop before any job could touch results/
    proc = subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--cores", "1",
                           "--configfile", "config/study.yaml"],
                          cwd=study, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, out
    assert message.format(t=study) in errors[0], out
    assert "Traceback" not in out and 'File "' not in out, out
    if case.startswith("config: ") and "schema" in errors[0]:
        assert errors[0].startswith(f"error: {study / 'config/study.yaml'}: "), out
    assert _snapshot(study / "results") == before


# Inputs read inside a job: the job's error is one line naming the file and the fix.
def _structures(n=3):
    from mlipcost.structures.configurations import generate_crystals

    return generate_crystals("Be", n, 2, 4, seed=5)


def _frames(s):
    from ase.calculators.singlepoint import SinglePointCalculator

    frames = []
    for i in range(len(s)):
        atoms = s.atoms(i)
        atoms.calc = SinglePointCalculator(atoms, energy=-3.0 * len(atoms),
                                           forces=np.zeros((len(atoms), 3)))
        frames.append(atoms)
    return frames


def _write(path, frames):
    from ase.io import write

    write(path, frames, format="extxyz")
    return {"path": str(path)}


def _wrong_count(t, s):
    return _write(t / "short.extxyz", _frames(s)[:-1])


def _no_energy(t, s):
    frames = _frames(s)
    frames[1].calc = None
    return _write(t / "unlabelled.extxyz", frames)


def _shifted(t, s):
    frames = _frames(s)
    frames[2].positions[0] += 0.3
    return _write(t / "shifted.extxyz", frames)


def _garbage(t, s):
    (t / "garbage.extxyz").write_text("this is not\nan extxyz file\n")
    return {"path": str(t / "garbage.extxyz")}


JOB_CASES = [
    ("labels: fewer frames than structures", _wrong_count,
     "short.extxyz: 2 configurations for 3 structures; align the files or give each frame "
     "info['config_id']"),
    ("labels: a moved atom", _shifted,
     "shifted.extxyz: configuration 2 (structure 2): an atom lies"),
    ("labels: not an extxyz file", _garbage,
     "garbage.extxyz: ASE cannot read it as extxyz"),
]


@pytest.mark.parametrize("case, make, message", JOB_CASES, ids=[c[0] for c in JOB_CASES])
def test_a_bad_label_file_is_one_line_naming_it(tmp_path, case, make, message):
    from mlipcost.structures.importers import import_labels

    s = _structures()
    spec = make(tmp_path, s)
    with pytest.raises(ValueError) as err:
        import_labels(s, np.arange(len(s)), spec, "3")
    text = str(err.value)
    assert len(text.splitlines()) == 1 and message in text, text


def test_a_frame_without_results_is_a_recorded_failure(tmp_path):
    from mlipcost.structures.importers import import_labels

    s = _structures()
    labels = import_labels(s, np.arange(len(s)), _no_energy(tmp_path, s), "3")
    assert list(labels["status"]) == ["ok", "failed", "ok"]
    assert labels["reason"][1] == ("no energy or forces in unlabelled.extxyz (configuration 1: "
                                   "its frame carries no results)")


@pytest.mark.parametrize("errno_name, why", [("EROFS", "is on a read-only file system"),
                                             ("EACCES", "is not writable by this user")])
def test_a_read_only_results_folder_is_named_and_left_as_it_was(tmp_path, monkeypatch,
                                                                errno_name, why):
    """Tests run as root here, whom file modes do not stop: the file system's refusal is
    injected where every result file is created."""
    import errno
    import tempfile

    from mlipcost.io.storage import write_csv

    import pandas as pd

    (tmp_path / "2J2.csv").write_text("earlier\n")

    def refuse(*args, **kwargs):
        raise OSError(getattr(errno, errno_name), "refused")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as err:
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "2J2.csv")
    assert str(err.value) == (f"cannot write {tmp_path / '2J2.csv'}: {tmp_path} {why}; make it "
                              "writable (or set results_dir to a writable folder) and rerun; "
                              "nothing there was changed")
    assert [p.name for p in tmp_path.iterdir()] == ["2J2.csv"]
    assert (tmp_path / "2J2.csv").read_text() == "earlier\n"


def test_the_table_covers_every_kind_of_input():
    """The count the closing note reports: workflow-level cases, job-level label files, the
    read-only folder, and the FitSNAP/CLI cases of test_bad_inputs.py."""
    from tests.test_bad_inputs import CASES

    kinds = {case.split(":")[0] for case, *_ in WORKFLOW_CASES + JOB_CASES}
    assert kinds == {"config", "structures", "labels"}
    assert len(WORKFLOW_CASES) + len(JOB_CASES) + 2 + len(CASES) + 1 >= 30
