"""One forward pass over a trajectory: the same frames as ASE's own reader, whatever the
compression, and clear errors for truncated files."""

import bz2
import gzip
import lzma

import numpy as np
import pytest
from ase.io import read, write

from mlipcost.io.trajectories import iter_frames, read_frames

OPENERS = {"": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def assert_same_frames(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.info == b.info
        np.testing.assert_array_equal(a.numbers, b.numbers)
        np.testing.assert_array_equal(a.positions, b.positions)
        np.testing.assert_array_equal(a.cell.array, b.cell.array)
        np.testing.assert_array_equal(a.pbc, b.pbc)
        assert sorted(a.arrays) == sorted(b.arrays)
        assert (a.calc is None) == (b.calc is None)
        results = {} if a.calc is None else a.calc.results
        assert results.keys() == ({} if b.calc is None else b.calc.results).keys()
        for key, value in results.items():
            np.testing.assert_array_equal(value, b.calc.results[key])


@pytest.fixture(scope="module")
def ta_plain(shared, tmp_path_factory):
    """FitSNAP's 363 Ta configurations, decompressed: ASE reads a plain file without the
    quadratic cost, so its frames are the reference."""
    path = tmp_path_factory.mktemp("ta") / "ta.extxyz"
    with gzip.open(shared / "data/ta_fitsnap.extxyz.gz", "rb") as src:
        path.write_bytes(src.read())
    return path


@pytest.mark.parametrize("suffix", list(OPENERS))
def test_every_compression_gives_ases_frames(ta_plain, tmp_path, suffix):
    path = tmp_path / f"ta.extxyz{suffix}"
    with OPENERS[suffix](path, "wb") as out:
        out.write(ta_plain.read_bytes())
    assert_same_frames(read_frames(path), read(ta_plain, ":"))


def test_the_real_be_set_is_read_whole(shared, tmp_path):
    frames = read_frames(shared / "data/be_wbe.extxyz.gz")
    assert len(frames) == 6355
    assert sum(len(a) for a in frames) == 131083
    plain = tmp_path / "be.extxyz"     # ASE's index -1 on the gzip stream would take minutes
    with gzip.open(shared / "data/be_wbe.extxyz.gz", "rb") as src:
        plain.write_bytes(src.read())
    assert_same_frames(frames[:3], read(plain, ":3"))
    assert_same_frames(frames[-2:], read(plain, "-2:"))


def test_frames_come_one_at_a_time(ta_plain):
    frames = iter_frames(ta_plain)
    first = next(frames)
    assert len(first) == len(read(ta_plain, 0))
    frames.close()


def test_vec_lines_belong_to_their_frame(tmp_path):
    path = tmp_path / "vec.xyz"
    path.write_text("1\nfirst\nBe 0 0 0\nVEC1 3 0 0\nVEC2 0 3 0\nVEC3 0 0 3\n"
                    "2\nsecond\nBe 0 0 0\nBe 1 1 1\n")
    ours, theirs = read_frames(path, "extxyz"), read(path, ":", format="extxyz")
    assert [len(a) for a in ours] == [1, 2]
    assert_same_frames(ours, theirs)


def test_a_truncated_file_names_itself(tmp_path):
    path = tmp_path / "cut.extxyz.gz"
    with gzip.open(path, "wt") as out:
        out.write("3\nenergy=1\nBe 0 0 0\nBe 1 1 1\n")
    with pytest.raises(ValueError, match=r"cut\.extxyz\.gz: the last frame stops after 2 of 3 atoms"):
        read_frames(path)


def test_other_formats_go_through_ase(tmp_path, ta_plain):
    frames = read(ta_plain, ":5")
    write(tmp_path / "ta.traj", frames)
    assert_same_frames(read_frames(tmp_path / "ta.traj"), read(tmp_path / "ta.traj", ":"))
