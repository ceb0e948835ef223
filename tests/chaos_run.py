"""Chaos run: the .test workflow runs while a seeded driver SIGKILLs random jobs (with their
LAMMPS workers) at random moments; the driver reruns Snakemake until it finishes and then asserts
that the results equal a clean run's (.test/results): labels and descriptors bitwise, sweep errors
to 1e-12 relative, and one DFT record per (configuration, level), none lost or duplicated. Used by
`make test` after the .test run.

    python tests/chaos_run.py [--seed 7] [--kill-fraction 0.4]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import psutil

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CLEAN = REPO / ".test/results"
MIN_KILLED_FRACTION = 0.2


def job_processes(root: psutil.Process) -> list[psutil.Process]:
    """The Python processes of running jobs: the scripts Snakemake starts from .snakemake/scripts."""
    found = []
    for proc in root.children(recursive=True):
        try:
            argv = proc.cmdline()
        except psutil.Error:
            continue
        # read once: a job that exits meanwhile reads back as an empty command line
        if argv and ".snakemake/scripts/" in " ".join(argv) and "python" in Path(argv[0]).name:
            found.append(proc)
    return found


def kill_tree(proc: psutil.Process) -> None:
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return
    for p in family:
        try:
            p.kill()
        except psutil.Error:
            pass


class Killer(threading.Thread):
    """Watches a Snakemake run; each job process it sees is, with probability ``fraction``,
    SIGKILLed after a random delay (if it is still running by then)."""

    def __init__(self, snakemake: subprocess.Popen, rng: random.Random, fraction: float):
        super().__init__(daemon=True)
        self.root = psutil.Process(snakemake.pid)
        self.rng, self.fraction = rng, fraction
        self.seen: dict[int, str] = {}
        self.killed: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        due: dict[int, tuple[float, psutil.Process]] = {}
        while not self.done.is_set():
            try:
                running = job_processes(self.root)
            except psutil.Error:
                break
            now = time.monotonic()
            for proc in running:
                if proc.pid in self.seen:
                    continue
                script = next((part for part in proc.cmdline() if ".snakemake/scripts/" in part), "")
                self.seen[proc.pid] = Path(script).name.split(".", 1)[-1]
                if self.rng.random() < self.fraction:
                    due[proc.pid] = (now + self.rng.uniform(0.2, 3.0), proc)
            for pid, (when, proc) in list(due.items()):
                if now >= when:
                    if proc.is_running():
                        kill_tree(proc)
                        self.killed.append(self.seen[pid])
                    del due[pid]
            time.sleep(0.05)


def same_as_clean(run: Path) -> None:
    for clean in sorted(CLEAN.glob("labels/level*.h5")):
        with h5py.File(clean) as a, h5py.File(run / "labels" / clean.name) as b:
            for key in ("energy_eV", "forces_eV_per_A", "stress_eV_per_A3", "offsets"):
                np.testing.assert_array_equal(a[key][()], b[key][()],
                                              err_msg=f"{clean.name} {key}")
    for clean in sorted(CLEAN.glob("descriptors/2J*.h5")):
        with h5py.File(clean) as a, h5py.File(run / "descriptors" / clean.name) as b:
            for key in ("A", "row_offsets", "energy_rows"):
                np.testing.assert_array_equal(a[key][()], b[key][()],
                                              err_msg=f"{clean.name} {key}")
    for clean in sorted(CLEAN.glob("sweep/*.csv")):
        a, b = pd.read_csv(clean), pd.read_csv(run / "sweep" / clean.name)
        assert len(a) == len(b), f"{clean.name}: {len(b)} rows, clean run {len(a)}"
        errors = [c for c in a.columns if "rmse" in c]
        np.testing.assert_allclose(b[errors].to_numpy(), a[errors].to_numpy(), rtol=1e-12,
                                   err_msg=clean.name)


def records_once(run: Path, store: Path) -> int:
    """One record per (distinct configuration, level) in the record ``store``: none lost, none
    twice; the other records of a level are its material-property cells, no more than
    its properties job evaluated."""
    import json

    from mlipcost.dft.chunks import configuration_key
    from mlipcost.structures.configurations import read_structures, read_structures_metadata

    structures = read_structures(run / "configurations.h5")
    valid = read_structures_metadata(run / "configurations.h5")["valid"]
    keys = {configuration_key(structures.atoms(i)) for i in np.flatnonzero(valid)}
    distinct = len(keys)
    folders = [f for f in store.iterdir() if f.is_dir()]
    assert len(folders) == len(list(CLEAN.glob("labels/level*.h5"))), folders
    counts = []
    for folder in folders:
        stored = {p.stem for p in folder.glob("*.npz")}
        level = json.loads((folder / "settings.json").read_text())["level"]
        properties = run / "properties" / f"dft_level{level}.json"
        cells = (json.loads(properties.read_text())["property_cells_cells"]
                 if properties.exists() else 0)
        assert len(stored - keys) <= cells, (f"level {level}: {len(stored - keys)} records "
                                             f"that are neither configurations nor its "
                                             f"{cells} property cells")
        counts.append(len(stored & keys))
    assert all(c == distinct for c in counts), f"records per level {counts}, expected {distinct}"
    # hidden files are temporary ones, except the content hash beside a file that exists
    leftovers = [p for p in store.rglob("*") if p.name.startswith(".")
                 and not (p.name.endswith(".sha256")
                          and p.with_name(p.name[1:-len(".sha256")]).exists())]
    assert not leftovers, f"temporary files left behind: {leftovers[:5]}"
    return sum(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill-fraction", type=float, default=0.4)
    parser.add_argument("--max-rounds", type=int, default=20)
    args = parser.parse_args()
    assert (CLEAN / "sweep").is_dir(), "run the clean .test workflow first (make test-workflow)"
    rng = random.Random(args.seed)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / ".test/config", work / "config")
        total_jobs, killed, rounds = None, [], 0
        cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(work), "--profile",
               str(REPO / "profiles/default"), "--cores", "2", "--keep-going"]
        while True:
            rounds += 1
            assert rounds <= args.max_rounds, f"not finished after {args.max_rounds} rounds"
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, env={**__import__("os").environ,
                                                    "OMP_NUM_THREADS": "1"})
            killer = Killer(proc, rng, args.kill_fraction)
            killer.start()
            out, _ = proc.communicate(timeout=1800)
            killer.done.set()
            killer.join()
            killed += killer.killed
            if total_jobs is None and "Job stats:" in out:
                total_jobs = int(next(line.split()[1] for line in
                                      out.split("Job stats:")[1].splitlines()
                                      if line.startswith("total")))
            if proc.returncode == 0 and not killer.killed:
                break
        same_as_clean(work / "results")
        n_records = records_once(work / "results", work / "dft-records")
    wall = time.perf_counter() - start
    fraction = len(killed) / total_jobs
    by_rule = pd.Series(killed).value_counts().to_dict()
    assert fraction >= MIN_KILLED_FRACTION, (f"only {len(killed)} of {total_jobs} jobs killed; "
                                             "raise --kill-fraction")
    print(f"chaos run OK: {len(killed)} SIGKILLs of {total_jobs} jobs ({100 * fraction:.0f} %: "
          f"{by_rule}), {rounds} Snakemake rounds, {wall:.0f} s; labels and descriptors "
          f"bitwise equal to the clean run, sweep errors within 1e-12, {n_records} DFT records, "
          "none lost or duplicated")


if __name__ == "__main__":
    main()
