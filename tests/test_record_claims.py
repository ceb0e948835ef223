"""Two runs sharing one record store compute each configuration once; a claim left by a killed
run is taken over."""

import json
import multiprocessing
import os
import socket
import time

import numpy as np

from mlipcost.dft.chunks import label_chunk
from mlipcost.dft.claims import RecordClaim
from mlipcost.structures.configurations import generate_crystals
from tests.test_labels import LEVEL, FakeBackend


class SlowBackend(FakeBackend):
    """A DFT stand-in that takes a while and appends each calculation to a shared file."""

    def __init__(self, calls_file):
        super().__init__()
        self.calls_file = calls_file

    def calculate(self, atoms, level, mesh, workdir):
        time.sleep(0.3)
        with open(self.calls_file, "a") as fh:
            fh.write(f"{os.getpid()} {atoms.positions[0].tolist()}\n")
        return super().calculate(atoms, level, mesh, workdir)


def _run(args):
    store, calls_file, order = args
    s = generate_crystals("Be", 6, 2, 4, seed=1)
    records = label_chunk(s, 0, 6, LEVEL, SlowBackend(calls_file), store, "ceil",
                          log=lambda *a: None, claim_wait_s=0.1)
    return [float(r["energy_eV"]) for r in records]


def test_two_studies_on_one_store_compute_each_configuration_once(tmp_path):
    calls = tmp_path / "calls.txt"
    calls.touch()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        first, second = pool.map(_run, [(tmp_path / "records", calls, 0)] * 2)
    lines = calls.read_text().splitlines()
    assert len(lines) == 6, lines                      # once each, by one run or the other
    assert len({line.split()[0] for line in lines}) == 2   # and the work was shared
    assert first == second
    assert not list((tmp_path / "records").glob("*.lock"))


def test_a_claim_of_a_dead_process_or_an_old_one_is_taken_over(tmp_path):
    record = tmp_path / "abc.npz"
    dead = multiprocessing.get_context("fork").Process(target=time.sleep, args=(0,))
    dead.start()
    dead.join()
    (tmp_path / "abc.npz.lock").write_text(json.dumps(
        {"host": socket.gethostname(), "pid": dead.pid, "token": "old"}))
    claim = RecordClaim(record)
    assert claim.acquire()
    claim.release()
    assert not (tmp_path / "abc.npz.lock").exists()
    # a live holder on another host: held until it stops refreshing its claim
    other = tmp_path / "abc.npz.lock"
    other.write_text(json.dumps({"host": "elsewhere", "pid": 1, "token": "t"}))
    assert not RecordClaim(record).acquire()
    old = time.time() - 3600
    os.utime(other, (old, old))
    taken = RecordClaim(record)
    assert taken.acquire()
    assert json.loads(other.read_text())["token"] == taken.token
    taken.release()


def test_a_held_claim_is_kept_fresh(tmp_path):
    claim = RecordClaim(tmp_path / "x.npz", refresh_every_s=0.05)
    assert claim.acquire()
    start = os.stat(claim.path).st_mtime
    time.sleep(0.3)
    assert os.stat(claim.path).st_mtime > start
    assert not RecordClaim(tmp_path / "x.npz", stale_after_s=0.2).acquire()
    claim.release()
    np.testing.assert_equal(claim.path.exists(), False)


def test_a_store_this_run_cannot_write_has_nothing_to_claim(tmp_path, monkeypatch):
    import errno

    import mlipcost.dft.claims as claims

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(claims.os, "open", read_only)
    claim = RecordClaim(tmp_path / "abc.npz")
    assert claim.acquire()
    claim.release()
    assert not (tmp_path / "abc.npz.lock").exists()
