"""The cluster path on a real single-node SLURM (tests/slurm/cluster.sh), with the real
snakemake-executor-plugin-slurm. Used by `make test-slurm`, after the local .test run.

1. The .test workflow through --profile tests/slurm/profile, scattered (descriptors in 2 part
   jobs, the sweep in jobs of one repeat of one sampler), completes, and its labels, descriptors
   and fit errors equal the local, unscattered run's (.test/results).
2. A DFT chunk job is scancel-ed while it runs: the retry completes it; no label lost or duplicated
   (only the labels and sweeps it compares are asked for).
3. A job asking for more than the cluster has fails at once with SLURM's readable error.
4. Chaos: a seeded driver scancels random running jobs (>= 20 % of the DAG's jobs); Snakemake is
   rerun until it finishes; labels and fit errors equal the local run's, no record lost or twice.
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
LOCAL = REPO / ".test/results"


def workflow(workdir: Path, *extra: str, timeout: int = 900, scatter: bool = False) -> subprocess.Popen:
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / ".test/config", workdir / "config", dirs_exist_ok=True)
    if scatter:
        config = yaml.safe_load((workdir / "config/config.yaml").read_text())
        config["descriptors"]["parts"] = 2
        config["fit"]["repeats_per_job"] = 1
        (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    cmd = ["timeout", "-k", "10", str(timeout), SNAKEMAKE, "-s", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--profile", str(REPO / "tests/slurm/profile"), *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def same_results(run: Path) -> None:
    for local in sorted(LOCAL.glob("labels/level*.h5")):
        with h5py.File(local) as a, h5py.File(run / "labels" / local.name) as b:
            assert len(b["energy_eV"]) == len(a["energy_eV"]), f"{local.name}: label count differs"
            for key in ("energy_eV", "forces_eV_per_A", "stress_eV_per_A3"):
                np.testing.assert_array_equal(a[key][()], b[key][()], err_msg=f"{local.name} {key}")
    for local in sorted(LOCAL.glob("sweep/2J*.csv")):
        a, b = pd.read_csv(local), pd.read_csv(run / "sweep" / local.name)
        errors = [c for c in a.columns if "rmse" in c]
        np.testing.assert_array_equal(a[errors].to_numpy(), b[errors].to_numpy(), err_msg=local.name)


def same_descriptors(run: Path) -> None:
    parts = sorted(run.glob("descriptors/2J2/part*of2.h5"))
    assert len(parts) == 2, parts
    with h5py.File(LOCAL / "descriptors/2J2.h5") as whole:
        for key in ("A", "reference", "row_type", "rotation", "energy_rows"):
            scattered = []
            for part in parts:
                with h5py.File(part) as h5:
                    scattered.append(h5[key][()])
            np.testing.assert_array_equal(whole[key][()], np.concatenate(scattered), err_msg=key)


def check_full_run(base: Path) -> None:
    start = time.perf_counter()
    proc = workflow(base / "full", scatter=True)
    out, _ = proc.communicate()
    assert proc.returncode == 0, out[-4000:]
    same_results(base / "full/results")
    same_descriptors(base / "full/results")
    blocks = len(list((base / "full/results/sweep/2J2").glob("*_repeats*.csv")))
    print(f"1. .test through SLURM, scattered (2 descriptor parts, {blocks} sweep blocks): "
          f"completed in {time.perf_counter() - start:.0f} s; labels, descriptors and fit errors "
          "identical to the local unscattered run")


def check_scancel(base: Path) -> None:
    # what this test compares (labels, sweeps) and no more: the whole DAG runs in tests 1 and 4
    targets = [f"results/{p.relative_to(LOCAL)}" for p in
               sorted(LOCAL.glob("labels/level*.h5")) + sorted(LOCAL.glob("sweep/2J*.csv"))]
    proc = workflow(base / "scancel", *targets)
    cancelled, deadline = None, time.time() + 600
    while cancelled is None and time.time() < deadline and proc.poll() is None:
        jobs = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i %k"], capture_output=True,
                              text=True).stdout.split("\n")
        for line in jobs:
            if "label_chunk" in line:
                cancelled = line.split()[0]
                time.sleep(1.0)  # let it get into the DFT
                subprocess.run(["scancel", cancelled], check=True)
                break
        time.sleep(0.2)
    out, _ = proc.communicate()
    assert cancelled is not None, "no running label_chunk job was seen to cancel"
    assert proc.returncode == 0, out[-4000:]
    same_results(base / "scancel/results")
    # one record per (distinct configuration, level settings), keyed on both: none lost, none
    # twice (identical configurations, e.g. an ideal cell and the bulk reference, share one)
    from mlipcost.dft.chunks import configuration_key
    from mlipcost.structures.configurations import read_structures

    structures = read_structures(base / "scancel/results/structures.h5")
    keys = {configuration_key(a) for a in structures}
    distinct = len(keys)
    levels = list((base / "scancel/results/labels").glob("*.h5"))
    # the store also holds each level's material-property cells: not configurations
    records = [p for p in (base / "scancel/dft-records").rglob("*.npz") if p.stem in keys]
    n_configs = sum(len(h5py.File(p)["energy_eV"]) for p in levels)
    assert len(records) == distinct * len(levels), \
        f"{len(records)} records for {distinct} distinct configurations x {len(levels)} levels"
    print(f"2. scancel of running DFT job {cancelled}: the retry completed it; {n_configs} labels, "
          "none lost or duplicated, identical to the local run")


def check_over_limit(base: Path) -> None:
    start = time.perf_counter()
    proc = workflow(base / "too_big", "--set-resources", "configurations:mem_mb=100000000",
                    timeout=120)
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    assert proc.returncode != 0
    readable = [line for line in out.splitlines()
                if "sbatch: error: Memory specification can not be satisfied" in line
                or "sbatch: error: Batch job submission failed" in line]
    assert readable, out[-3000:]
    assert elapsed < 90, f"took {elapsed:.0f} s to fail"
    print(f"3. a job asking for 100 TB failed after {elapsed:.0f} s: {readable[-1].strip()[:200]}")


def check_chaos(base: Path, seed: int = 11, fraction: float = 0.4, max_rounds: int = 12) -> None:
    rng = random.Random(seed)
    start, cancelled, total, rounds = time.perf_counter(), [], None, 0
    while True:
        rounds += 1
        assert rounds <= max_rounds, f"not finished after {max_rounds} rounds"
        workdir = base / "chaos"
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(REPO / ".test/config", workdir / "config", dirs_exist_ok=True)
        log = base / f"chaos_round{rounds}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                ["timeout", "-k", "10", "900", SNAKEMAKE, "-s", str(REPO / "Snakefile"),
                 "--directory", str(workdir), "--profile", str(REPO / "tests/slurm/profile")],
                stdout=out, stderr=subprocess.STDOUT, text=True)
            seen, due, this_round = set(), {}, 0
            while proc.poll() is None:
                running = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i %k"],
                                         capture_output=True, text=True).stdout.splitlines()
                now = time.monotonic()
                for line in running:
                    job, _, comment = line.partition(" ")
                    if job and job not in seen:
                        seen.add(job)
                        if rng.random() < fraction:
                            due[job] = (now + rng.uniform(0.5, 3.0), comment)
                for job, (when, comment) in list(due.items()):
                    if now >= when:
                        subprocess.run(["scancel", job], capture_output=True)
                        cancelled.append(comment.split("rule_")[-1].split("_wildcards")[0])
                        this_round += 1
                        del due[job]
                time.sleep(0.2)
        text = log.read_text()
        if total is None and "Job stats:" in text:
            total = int(next(line.split()[1] for line in text.split("Job stats:")[1].splitlines()
                             if line.startswith("total")))
        if proc.returncode == 0 and this_round == 0:
            break
    same_results(base / "chaos/results")
    fraction_done = len(cancelled) / total
    assert fraction_done >= 0.2, f"only {len(cancelled)} of {total} jobs cancelled"
    print(f"4. chaos through SLURM: {len(cancelled)} scancels of {total} jobs "
          f"({100 * fraction_done:.0f} %), {rounds} Snakemake rounds, "
          f"{time.perf_counter() - start:.0f} s; labels and fit errors identical to the local run")


def main() -> None:
    assert os.environ.get("SLURM_CONF"), "start tests/slurm/cluster.sh first"
    with tempfile.TemporaryDirectory(prefix="mlipcost-slurm-") as tmp:
        base = Path(tmp)
        check_full_run(base)
        check_scancel(base)
        check_over_limit(base)
        check_chaos(base)


if __name__ == "__main__":
    main()
