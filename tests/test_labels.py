import os
import stat

import h5py
import numpy as np
import pytest

from mlipcost.dft.chunks import chunk_bounds, collect_level, label_chunk, n_chunks, write_chunk
from mlipcost.dft.ladder import Level
from mlipcost.dft.labels import read_labels, write_extxyz
from mlipcost.io.storage import atomic_h5
from mlipcost.structures.configurations import generate_crystals


class FakeBackend:
    """A pair potential standing in for DFT: counts calls, fails where told to."""

    code = "fake"

    def __init__(self, fail=()):
        self.calls = []
        self.fail = list(fail)

    def settings(self, level):
        return {"code": self.code, **level.as_dict()}

    def calculate(self, atoms, level, mesh, workdir):
        index = len(self.calls)
        self.calls.append(tuple(atoms.positions[0]))
        if any(np.allclose(atoms.positions[0], p) for p in self.fail):
            raise RuntimeError("SCF not converged")
        n = len(atoms)
        return {"energy_eV": -3.7 * n + 0.01 * index, "energy_sigma0_eV": -3.7 * n,
                "forces_eV_per_A": np.full((n, 3), 0.1), "stress_eV_per_A3": np.zeros(6),
                "wall_time_s": 1.5, "scf_iterations": 9, "attempts": 1,
                "code_version": "fake-1", "setups": ""}


LEVEL = Level("2", 300.0, 0.5)


def test_chunking():
    assert n_chunks(20000, 50) == 400 and n_chunks(7, 3) == 3
    assert chunk_bounds(7, 3, 2) == (6, 7)
    with pytest.raises(ValueError):
        chunk_bounds(7, 3, 3)


def test_resume_skips_finished_configurations(tmp_path):
    s = generate_crystals("Be", 6, 2, 4, seed=1)
    backend = FakeBackend()
    first = label_chunk(s, 0, 3, LEVEL, backend, tmp_path / "rec", "ceil")
    assert len(backend.calls) == 3
    again = label_chunk(s, 0, 3, LEVEL, backend, tmp_path / "rec", "ceil")
    assert len(backend.calls) == 3  # nothing recomputed
    assert [float(r["energy_eV"]) for r in again] == [float(r["energy_eV"]) for r in first]
    assert list(first[1]["kmesh"]) == list(again[1]["kmesh"])


def test_failure_is_recorded_with_reason_and_retried(tmp_path):
    s = generate_crystals("Be", 4, 2, 4, seed=1)
    backend = FakeBackend(fail=[s.atoms(1).positions[0]])
    records = label_chunk(s, 0, 4, LEVEL, backend, tmp_path / "rec", "ceil", max_attempts=2,
                          log=lambda *a: None)
    assert len(backend.calls) == 5  # configuration 1 tried twice
    assert str(records[1]["status"]) == "failed"
    assert "SCF not converged" in str(records[1]["reason"])
    assert np.isnan(records[1]["energy_eV"])


def _chunks(tmp_path, s, backend, size=2, level=LEVEL):
    paths = []
    for c in range(n_chunks(len(s), size)):
        lo, hi = chunk_bounds(len(s), size, c)
        rec = label_chunk(s, lo, hi, level, backend, tmp_path / f"c{c}", "ceil",
                          log=lambda *a: None)
        write_chunk(tmp_path / f"chunk{c}.h5", rec, level, backend.settings(level))
        paths.append(tmp_path / f"chunk{c}.h5")
    return paths


def test_collect_merges_in_order_and_exports(tmp_path):
    s = generate_crystals("Be", 5, 2, 4, seed=2)
    paths = _chunks(tmp_path, s, FakeBackend())
    failed = collect_level(paths[::-1], s, tmp_path / "level2.h5", 0.0, "hash")
    assert failed == []
    labels = read_labels(tmp_path / "level2.h5")
    assert labels.energy.shape == (5,) and labels.forces.shape == (s.n_atoms.sum(), 3)
    assert np.all(labels.ok) and labels.level == "2"
    with h5py.File(tmp_path / "level2.h5") as h5:
        assert h5["energy_eV"].attrs["unit"].startswith("eV")
        assert h5.attrs["energy_used_by_fits"] == "energy_eV"
        assert "cutoff_eV" in h5.attrs["settings_json"]
    write_extxyz(tmp_path / "level2.extxyz", s, labels)
    from ase.io import read
    frames = read(tmp_path / "level2.extxyz", ":")
    assert len(frames) == 5
    assert frames[3].get_potential_energy() == pytest.approx(labels.energy[3])


def test_collect_stops_above_failed_fraction_and_lists_failures(tmp_path):
    s = generate_crystals("Be", 4, 2, 4, seed=2)
    paths = _chunks(tmp_path, s, FakeBackend(fail=[s.atoms(2).positions[0]]))
    with pytest.raises(RuntimeError, match="configuration 2: RuntimeError: SCF not converged"):
        collect_level(paths, s, tmp_path / "out.h5", 0.1, "hash")
    assert not (tmp_path / "out.h5").exists()
    failed = collect_level(paths, s, tmp_path / "out.h5", 0.5, "hash")
    assert failed == ["configuration 2: RuntimeError: SCF not converged"]
    assert not read_labels(tmp_path / "out.h5").ok[2]


def test_collect_refuses_mixed_settings(tmp_path):
    s = generate_crystals("Be", 4, 2, 4, seed=2)
    a = _chunks(tmp_path / "a", s, FakeBackend())
    b = _chunks(tmp_path / "b", s, FakeBackend(), level=Level("2", 350.0, 0.5))
    with pytest.raises(ValueError, match="differ"):
        collect_level([a[0], b[1]], s, tmp_path / "out.h5", 0.0, "hash")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_h5(tmp_path / "x.h5") as h5:
            h5["a"] = np.arange(3)
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_writes_respect_the_umask(tmp_path, umask, mode):
    """Files renamed into place get the mode a plain new file gets: readable by the group on a
    shared cluster under umask 022 (mkstemp alone makes them 0600)."""
    from mlipcost.io.storage import write_text

    old = os.umask(umask)
    try:
        write_text(tmp_path / "t.txt", "x")
        with atomic_h5(tmp_path / "t.h5") as h5:
            h5["a"] = np.arange(3)
    finally:
        os.umask(old)
    for name in ("t.txt", "t.h5"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode


def test_records_are_keyed_on_the_configuration_not_its_position(tmp_path):
    """A reordered or extended set (a new split, more configurations) reuses every DFT result,
    and an unreadable record is recomputed, not trusted."""
    from mlipcost.structures.configurations import Structures

    s = generate_crystals("Be", 6, 2, 4, seed=1)
    backend = FakeBackend()
    first = label_chunk(s, 0, 6, LEVEL, backend, tmp_path / "rec", "ceil")
    reordered = Structures.from_atoms([s.atoms(i) for i in (5, 3, 1, 0, 2, 4)])
    again = label_chunk(reordered, 0, 6, LEVEL, backend, tmp_path / "rec", "ceil")
    assert len(backend.calls) == 6
    assert [int(r["index"]) for r in again] == list(range(6))
    assert float(again[0]["energy_eV"]) == float(first[5]["energy_eV"])
    victim = sorted((tmp_path / "rec").glob("*.npz"))[0]
    victim.write_bytes(victim.read_bytes()[:40])
    messages = []
    label_chunk(s, 0, 6, LEVEL, backend, tmp_path / "rec", "ceil", log=messages.append)
    assert len(backend.calls) == 7 and "discarding unreadable record" in messages[0]


def test_offline_labelling_takes_records_and_never_stores_a_miss(tmp_path):
    from mlipcost.dft.store import OfflineBackend

    s = generate_crystals("Be", 4, 2, 4, seed=1)
    label_chunk(s, 0, 2, LEVEL, FakeBackend(), tmp_path / "rec", "ceil")
    offline = OfflineBackend(FakeBackend(), tmp_path / "rec")
    records = label_chunk(s, 0, 4, LEVEL, offline, tmp_path / "rec", "ceil")
    assert [str(r["status"]) for r in records] == ["ok", "ok", "failed", "failed"]
    assert "NotInRecordStore" in str(records[2]["reason"])
    assert len(list((tmp_path / "rec").glob("*.npz"))) == 2


def test_each_chunk_job_times_itself_and_table1_takes_the_overhead_from_it(tmp_path):
    """Table 1's workflow overhead comes from the chunk files, not Snakemake's benchmark files:
    job wall time minus the DFT wall time of what the job computed (records it reused cost it
    nothing)."""
    from mlipcost.analysis.tables import ladder_table

    s = generate_crystals("Be", 4, 2, 4, seed=2)
    store = tmp_path / "rec"
    label_chunk(s, 0, 1, LEVEL, FakeBackend(), store, "ceil")  # an earlier, killed job's work
    paths = []
    for c, (lo, hi), job_wall in ((0, (0, 2), 2.0), (1, (2, 4), 4.0)):
        records = label_chunk(s, lo, hi, LEVEL, FakeBackend(), store, "ceil")
        paths.append(tmp_path / f"chunk{c}.h5")
        write_chunk(paths[-1], records, LEVEL, {}, job_wall_time_s=job_wall)
    collect_level(paths, s, tmp_path / "level2.h5", 0.0, "hash")
    labels = read_labels(tmp_path / "level2.h5")
    # 3 calculations of 1.5 s ran in these jobs (configuration 0 came from the store)
    assert labels.jobs_wall_time_s == 6.0 and labels.jobs_dft_wall_time_s == 4.5
    row = ladder_table([{"name": "2", "cutoff_eV": 300.0, "kspacing_per_A": 0.5}],
                       [labels]).iloc[0]
    assert row["labelling_jobs_wall_time_s"] == 6.0
    assert row["workflow_overhead_fraction"] == pytest.approx(0.25)
    assert row["mean_wall_time_s_per_config"] == 1.5


def test_the_dft_files_are_packed_into_the_declared_archive_and_only_on_success(tmp_path):
    import tarfile

    from mlipcost.dft.chunks import archived_work

    archive = tmp_path / "results/dft/level2/chunk0.work.tar.gz"
    with archived_work(archive, tmp_path) as work:
        (work / "config0000003").mkdir()
        (work / "config0000003/OUTCAR").write_text("free  energy   TOTEN  =       -3.7 eV\n")
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["chunk0.work", "chunk0.work/config0000003",
                                  "chunk0.work/config0000003/OUTCAR"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # the scratch folder is gone
    failed = tmp_path / "results/dft/level2/chunk1.work.tar.gz"
    with pytest.raises(RuntimeError), archived_work(failed, tmp_path):
        raise RuntimeError("killed")
    assert not failed.exists()
