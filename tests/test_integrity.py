"""A result file changed or cut after it was written is an error naming it and the rule that
remakes it, never a silently different number (``mlipcost check``)."""

import shutil

import h5py
import numpy as np
import pytest

from mlipcost.cli import main
from mlipcost.dft.chunks import collect_level
from mlipcost.dft.labels import read_labels
from mlipcost.io.storage import CorruptFileError
from mlipcost.structures.configurations import generate_crystals
from tests.test_labels import FakeBackend, _chunks


def overwrite_energy(path, value=1.0):
    """Eight bytes inside a chunk file's energy data, as a failing disk or a stray write would."""
    with h5py.File(path, "r") as h5:
        offset = h5["energy_eV"].id.get_chunk_info(0).byte_offset
    data = bytearray(path.read_bytes())
    data[offset:offset + 8] = np.float64(value).tobytes()
    path.write_bytes(bytes(data))


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


@pytest.fixture
def results(tmp_path):
    """A results tree: two DFT chunk files of level 2 and the level file collected from them."""
    s = generate_crystals("Be", 4, 2, 4, seed=2)
    root = tmp_path / "results"
    chunk_dir = root / "dft/level2"
    chunk_dir.mkdir(parents=True)
    paths = []
    for i, path in enumerate(_chunks(tmp_path / "work", s, FakeBackend())):
        paths.append(chunk_dir / f"chunk{i}.h5")
        shutil.copy(path, paths[-1])
    (root / "labels").mkdir()
    collect_level(paths, s, root / "labels/level2.h5", 0.0, "hash")
    return root, s, paths


def test_an_overwritten_chunk_is_detected_not_used(results):
    root, s, paths = results
    overwrite_energy(paths[0])
    with pytest.raises(CorruptFileError, match=r"chunk0.h5 fails its checksum \(changed after it "
                                               r"was written\): delete it and rerun; rule "
                                               r"label_chunk remakes it"):
        collect_level(paths, s, root / "labels/again.h5", 0.0, "hash")
    assert not (root / "labels/again.h5").exists()


def test_a_truncated_level_file_names_its_size_and_rule(results):
    root, _, _ = results
    label_file = root / "labels/level2.h5"
    size = label_file.stat().st_size
    truncate(label_file)
    with pytest.raises(CorruptFileError, match=rf"level2.h5 is truncated \({size // 2:,} of "
                                               rf"{size:,} bytes\): delete it and rerun; rule "
                                               r"collect_level"):
        read_labels(label_file)


def test_check_names_every_damaged_file(results, capsys):
    root, _, paths = results
    assert main(["check", str(root)]) == 0
    assert "3 HDF5 files, CSV tables and DFT records under" in capsys.readouterr().out
    overwrite_energy(paths[1], 7.0)
    truncate(root / "labels/level2.h5")
    record = next((root.parent / "work").rglob("*.npz"))
    store = root.parent / "dft-records"   # the default store, beside the results folder
    shutil.copytree(record.parent, store / record.parent.name)
    truncate(store / record.parent.name / record.name, 0.7)
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    damaged = [line for line in out if "delete it and rerun" in line]
    assert len(damaged) == 3, out
    assert any("chunk1.h5 fails its checksum" in line and "label_chunk" in line for line in damaged)
    assert any("level2.h5 is truncated" in line and "collect_level" in line for line in damaged)
    assert any(record.name in line for line in damaged)
    assert out[-1].endswith(": 3 not as written")


def _sweep_table(root):
    import pandas as pd

    from mlipcost.io.storage import write_csv

    table = pd.DataFrame({"twojmax": [6] * 40, "train_level": ["1"] * 40,
                          "test_energy_rmse_meV_per_atom": np.linspace(1, 2, 40)})
    path = root / "sweep/2J6.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, path)
    return table, path


def test_a_csv_result_is_verified_against_its_recorded_hash(tmp_path):
    import json

    from mlipcost.io.storage import provenance_path, read_csv

    table, path = _sweep_table(tmp_path)
    record = json.loads(provenance_path(path).read_text())
    assert record["rows"] == 40 and record["file"] == "2J6.csv"
    assert read_csv(path, dtype={"train_level": str}).equals(table)
    text = path.read_text()
    path.write_text(text.replace("1.5128205128205128", "1.5128205128205129"))
    with pytest.raises(CorruptFileError, match=r"2J6.csv does not match the hash recorded when "
                                               r"it was written \(changed after writing\): "
                                               r"delete it and rerun; rule fit_sweep remakes it"):
        read_csv(path)
    path.write_text("".join(text.splitlines(keepends=True)[:31]))
    with pytest.raises(CorruptFileError, match=r"2J6.csv is truncated \(30 of 40 rows\).*rule "
                                               r"fit_sweep"):
        read_csv(path)


def test_a_changed_sweep_stops_the_front_naming_the_file(tmp_path):
    from mlipcost.analysis.stage import run_pareto

    _, path = _sweep_table(tmp_path)
    truncate(path, 0.6)
    with pytest.raises(CorruptFileError, match=r"sweep/2J6.csv is truncated .* rule fit_sweep"):
        run_pareto([path], "6", summary_csv=tmp_path / "pareto/summary.csv",
                   front_stem=tmp_path / "pareto/front", bands_stem=tmp_path / "pareto/bands",
                   front_plots={6: tmp_path / "pareto/pareto_2J6.png"},
                   learning_plot=tmp_path / "pareto/learning_curves.png")
    assert not (tmp_path / "pareto").exists()


def test_check_names_a_changed_csv_and_notes_an_unrecorded_one(tmp_path, capsys):
    import pandas as pd

    _, path = _sweep_table(tmp_path)
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "mine.csv")
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mine.csv: no provenance record" in out and ": 0 not as written" in out
    path.write_text(path.read_text().replace("train_level", "train_levels"))
    assert main(["check", str(tmp_path)]) == 1
    assert "2J6.csv does not match the hash" in capsys.readouterr().out


FULL_DISK_WRITER = """
import resource, signal, sys
from pathlib import Path
import numpy as np
from mlipcost.io.storage import DiskFullError, atomic_h5, write_text

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # the limit then fails the write with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
folder = Path(sys.argv[1])
try:
    with atomic_h5(folder / "level2.h5") as h5:
        h5.create_dataset("energy_eV", data=np.zeros(5000))
except DiskFullError as err:
    print(err)
try:
    write_text(folder / "notes.txt", "x" * 50000)
except DiskFullError as err:
    print(err)
"""


def test_a_full_disk_stops_with_a_clear_error_and_keeps_earlier_files(tmp_path):
    """A file-size limit (RLIMIT_FSIZE: the write fails as on a full disk) hits HDF5 and text
    writes: each stops with one line naming the file and the fix; the earlier versions stay."""
    import subprocess
    import sys

    (tmp_path / "level2.h5").write_bytes(b"earlier level file")
    (tmp_path / "notes.txt").write_text("earlier notes")
    proc = subprocess.run([sys.executable, "-c", FULL_DISK_WRITER, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2, proc.stdout + proc.stderr
    for line, name in zip(lines, ("level2.h5", "notes.txt")):
        assert line.startswith(f"no space left writing {tmp_path / name}")
        assert "free space in" in line and "already there are intact" in line
    assert (tmp_path / "level2.h5").read_bytes() == b"earlier level file"
    assert (tmp_path / "notes.txt").read_text() == "earlier notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["level2.h5", "notes.txt"]


def test_descriptors_check_the_disk_before_writing(tmp_path, monkeypatch):
    import shutil as sh
    from collections import namedtuple

    from mlipcost.descriptors.snap import compute_descriptor_file, descriptor_settings
    from mlipcost.io.storage import DiskFullError

    (tmp_path / "2J2.h5").write_bytes(b"earlier descriptors")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(sh, "disk_usage", lambda p: usage(10**6, 10**6 - 1000, 1000))
    s = generate_crystals("Be", 3, 2, 4, seed=1)
    with pytest.raises(DiskFullError, match=r"2J2.h5 needs about [0-9.]+ kB .* but .* has 1.0 kB free"):
        compute_descriptor_file(s, descriptor_settings({}, 2), "Be", tmp_path / "2J2.h5", {})
    assert (tmp_path / "2J2.h5").read_bytes() == b"earlier descriptors"
    assert [p.name for p in tmp_path.iterdir()] == ["2J2.h5"]


def test_each_result_file_is_traced_to_the_rule_that_makes_it():
    from mlipcost.io.integrity import made_by

    assert made_by("results/pilot/production/structures.h5") == "production_structures"
    assert made_by("results/pilot/production/labels/train.h5") == "production_labels"
    assert made_by("results/pilot/structures.h5") == "structures"
    assert made_by("results/study/sweep/whole_half_2J6.csv") == "whole_half"
