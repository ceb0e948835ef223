"""Bytes flipped across the files a run writes (a DFT chunk, a level's labels, a DFT record, a
CSV table) are each either detected and named, by ``mlipcost check`` and by the reader, or
provably change no value read: never a silently different number, never a crash."""

import numpy as np
import pandas as pd
import pytest

from mlipcost.dft.chunks import _read_record, collect_level
from mlipcost.io.integrity import check_file
from mlipcost.io.storage import CorruptFileError, open_h5, read_csv, write_csv
from mlipcost.structures.configurations import generate_crystals
from tests.test_labels import FakeBackend, _chunks

FLIPS_PER_FILE = 48


def read_h5(path):
    """Every dataset and attribute of an HDF5 file, through the workflow's reader."""
    values = {}
    with open_h5(path, "test") as h5:
        def visit(name, obj):
            values[name] = obj[()] if hasattr(obj, "shape") else None
            for key, value in obj.attrs.items():
                values[f"{name}@{key}"] = value
        h5.visititems(visit)
        values.update({f"@{k}": v for k, v in h5.attrs.items()})
    return values


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc":
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a.shape == b.shape and bool(np.all(a == b))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    s = generate_crystals("Be", 4, 2, 4, seed=2)
    chunks = _chunks(root / "dft/level2", s, FakeBackend())
    (root / "labels").mkdir()
    collect_level(chunks, s, root / "labels/level2.h5", 0.0, "hash")
    record = next((root / "dft/level2").rglob("*.npz"))
    table = pd.DataFrame({"size": np.arange(30), "test_energy_rmse_meV_per_atom":
                          np.linspace(1, 2, 30)})
    write_csv(table, root / "sweep/2J6.csv")
    return root, {"chunk": (chunks[0], read_h5), "labels": (root / "labels/level2.h5", read_h5),
                  "record": (record, _read_record),
                  "csv": (root / "sweep/2J6.csv", read_csv)}


@pytest.mark.parametrize("kind", ["chunk", "labels", "record", "csv"])
def test_every_flip_is_named_or_changes_nothing(written, kind):
    root, files = written
    path, read = files[kind]
    original_bytes = path.read_bytes()
    original = read(path)
    rng = np.random.default_rng(["chunk", "labels", "record", "csv"].index(kind))
    n = len(original_bytes)
    offsets = np.unique(np.concatenate([rng.integers(0, n, FLIPS_PER_FILE - 8), [0, 1, 2, 3],
                                        [n - 1, n - 2, n - 3, n - 4]]))
    detected = unchanged = 0
    try:
        for offset in offsets:
            damaged = bytearray(original_bytes)
            damaged[offset] ^= int(rng.integers(1, 256))
            path.write_bytes(bytes(damaged))
            problem, _ = check_file(path, root)          # never raises
            try:
                values = read(path)
            except Exception as err:
                # results files name themselves; the DFT run discards a record its reader
                # refuses (any error) and computes it again
                assert isinstance(err, CorruptFileError) or kind == "record", repr(err)
                assert kind == "record" or path.name in str(err)
                assert problem is not None and path.name in problem, (offset, str(err))
                detected += 1
                continue
            if problem is not None:
                assert path.name in problem
                detected += 1
            else:
                assert same(values, original), f"byte {offset} of {path.name} changed a value silently"
                unchanged += 1
    finally:
        path.write_bytes(original_bytes)
    assert detected + unchanged == len(offsets)
    assert detected > 0


def test_check_covers_every_hashed_output_type(tmp_path):
    """Label extxyz, MD coefficients and JSON written by the workflow are verified too."""
    from mlipcost.io.integrity import check_tree
    from mlipcost.io.storage import write_text

    root = tmp_path / "results"
    for name, text in (("labels/level1.extxyz", "2\nLattice=\"3 0 0 0 3 0 0 0 3\"\nBe 0 0 0\n"),
                       ("md/2J6.snapcoeff", "1 31\nBe 0.5 1\n"), ("md/2J6.json", "{}\n")):
        write_text(root / name, text)
    checked, problems, _ = check_tree(root)
    assert checked == 3 and not problems
    for name in ("labels/level1.extxyz", "md/2J6.snapcoeff", "md/2J6.json"):
        path = root / name
        original = path.read_bytes()
        path.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
        _, problems, _ = check_tree(root)
        assert len(problems) == 1 and name.split("/")[1] in problems[0], problems
        path.write_bytes(original)
