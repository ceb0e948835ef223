"""A result file changed or cut after it was written is an error naming it and the rule that
remakes it, never a silently different number (#18 item 3; ``mlipcost check``)."""

import shutil

import h5py
import numpy as np
import pytest

from mlipcost.cli import main
from mlipcost.dft.labels import collect_level, read_labels
from mlipcost.storage import CorruptFileError
from mlipcost.structures import generate_crystals
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
    assert "3 HDF5 files and DFT records under" in capsys.readouterr().out
    overwrite_energy(paths[1], 7.0)
    truncate(root / "labels/level2.h5")
    record = next((root.parent / "work").rglob("*.npz"))
    shutil.copytree(record.parent, root / "dft/records")
    truncate(root / "dft/records" / record.name, 0.7)
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    damaged = [line for line in out if "delete it and rerun" in line]
    assert len(damaged) == 3, out
    assert any("chunk1.h5 fails its checksum" in line and "label_chunk" in line for line in damaged)
    assert any("level2.h5 is truncated" in line and "collect_level" in line for line in damaged)
    assert any(record.name in line for line in damaged)
    assert out[-1].endswith(": 3 not as written")
