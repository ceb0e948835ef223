"""kill -9 of a labelling job at any point, then a rerun, gives exactly the uninterrupted labels."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from mlipcost.dft.chunks import _read_record

JOB = r'''
import sys, time
from pathlib import Path
import numpy as np
from mlipcost.dft.chunks import label_chunk
from mlipcost.dft.ladder import Level
from mlipcost.structures.configurations import generate_crystals

class SlowDeterministic:
    code = "slow"
    def calculate(self, atoms, level, mesh, workdir):
        with open(sys.argv[2], "a") as fh:
            fh.write(f"{atoms.positions[0][0]:.12f}\n")
        time.sleep(0.4)
        n = len(atoms)
        e = float(np.sum(np.sin(atoms.positions)))
        return {"energy_eV": e, "energy_sigma0_eV": e, "forces_eV_per_A": np.cos(atoms.positions),
                "stress_eV_per_A3": np.zeros(6), "wall_time_s": 0.4, "scf_iterations": 3,
                "attempts": 1, "code_version": "slow-1", "setups": ""}

s = generate_crystals("Be", 8, 2, 4, seed=9)
label_chunk(s, 0, 8, Level("1", 200.0, None), SlowDeterministic(), Path(sys.argv[1]), "ceil")
'''


def run_job(records, starts, kill_after=None):
    proc = subprocess.Popen([sys.executable, "-c", JOB, str(records), str(starts)])
    if kill_after is None:
        assert proc.wait(timeout=120) == 0
        return
    deadline = time.time() + 60
    while len(list(Path(records).glob("*.npz"))) < kill_after and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def records_of(folder):
    return {p.name: _read_record(p) for p in sorted(Path(folder).glob("*.npz"))}


def test_kill_and_resume_gives_identical_labels(tmp_path):
    run_job(tmp_path / "clean", tmp_path / "clean_starts")
    run_job(tmp_path / "killed", tmp_path / "killed_starts", kill_after=3)
    done_at_kill = len(list((tmp_path / "killed").glob("*.npz")))
    assert 3 <= done_at_kill < 8
    assert not list((tmp_path / "killed").glob("*.tmp"))  # no partial record under any name
    run_job(tmp_path / "killed", tmp_path / "killed_starts")

    clean, resumed = records_of(tmp_path / "clean"), records_of(tmp_path / "killed")
    assert clean.keys() == resumed.keys() and len(clean) == 8
    for name in clean:
        for key in ("energy_eV", "forces_eV_per_A", "kmesh", "status"):
            np.testing.assert_array_equal(clean[name][key], resumed[name][key])
    starts = (tmp_path / "killed_starts").read_text().split()
    # every configuration computed once, except at most the one running when the job was killed
    assert 8 <= len(starts) <= 9
    assert len(starts) - len(set(starts)) <= 1
