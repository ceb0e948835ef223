"""The scattered run equals the unscattered one. Used by `make test` after the .test
run: the same config with descriptors in 2 parts and the sweep in blocks of one repeat, into
.test/results/scatter (DFT taken from the record store the .test run filled, .test/dft-records,
so no GPAW runs):
- labels and descriptors bitwise equal to .test/results (the parts, read in order, are the file);
- leverage and sweep tables equal, errors to <= 1e-10 relative (measured: bitwise; a block that
  does not start with the sweep's first ordering rebuilds that ordering's training-half R the
  same way);
- with one block's table lost (its job killed before the gather), the dry run plans that block
  and the gather, nothing else.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import yaml

from check_untracked import untracked  # tests/, the folder this script runs from

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
LOCAL = REPO / ".test/results"
SCATTER = LOCAL / "scatter"
TARGETS = ["sweep/2J2.csv", "sweep/whole_half_2J2.csv", "leverage/2J2.csv"]


def snakemake(config_file: Path, *extra: str) -> str:
    proc = subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory",
                           str(REPO / ".test"), "--configfile", str(config_file), "--cores", "2",
                           *[f"results/scatter/{t}" for t in TARGETS], *extra],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


def planned(config_file: Path) -> dict[str, int]:
    out = snakemake(config_file, "-n")
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("\n\n")[0].splitlines()[3:]
    return {name: int(n) for name, n in (line.split() for line in table) if name != "total"}


def descriptor_arrays(paths: list[Path]) -> dict[str, np.ndarray]:
    out: dict[str, list] = {}
    for path in paths:
        with h5py.File(path) as h5:
            for key in ("A", "reference", "row_type", "row_atom", "rotation", "energy_rows"):
                out.setdefault(key, []).append(h5[key][()])
    return {key: np.concatenate(parts) for key, parts in out.items()}


def main() -> None:
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    config["results_dir"] = "results/scatter"
    config["descriptors"]["parts"] = 2
    config["fit"]["repeats_per_job"] = 1
    shutil.rmtree(SCATTER, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        config_file = Path(tmp) / "scatter.yaml"
        config_file.write_text(yaml.safe_dump(config))
        jobs = planned(config_file)
        assert jobs.get("descriptor_part") == 2 and "descriptors" not in jobs, jobs
        n_blocks = len(config["fit"]["samplers"]) * config["fit"]["repeats"]
        assert jobs.get("fit_sweep_block") == n_blocks, jobs
        snakemake(config_file, "-q")

        for local in sorted(LOCAL.glob("labels/level*.h5")):
            with h5py.File(local) as a, h5py.File(SCATTER / "labels" / local.name) as b:
                for key in ("energy_eV", "forces_eV_per_A", "stress_eV_per_A3"):
                    np.testing.assert_array_equal(a[key][()], b[key][()], err_msg=local.name)
        single = descriptor_arrays([LOCAL / "descriptors/2J2.h5"])
        parts = descriptor_arrays(sorted((SCATTER / "descriptors/2J2").glob("part*of2.h5")))
        for key, value in single.items():
            np.testing.assert_array_equal(value, parts[key], err_msg=f"descriptors {key}")

        largest = 0.0
        for target in TARGETS:
            a, b = pd.read_csv(LOCAL / target), pd.read_csv(SCATTER / target)
            assert list(a.columns) == list(b.columns) and len(a) == len(b), target
            errors = [c for c in a.columns if "rmse" in c or "leverage" in c]
            others = [c for c in a.columns if c not in errors]
            pd.testing.assert_frame_equal(a[others], b[others], check_exact=True, obj=target)
            x, y = a[errors].to_numpy(float), b[errors].to_numpy(float)
            np.testing.assert_allclose(y, x, rtol=1e-10, atol=0, err_msg=target)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.nanmax(np.abs(y - x) / np.abs(x)) if x.size else 0.0
            largest = max(largest, float(np.nan_to_num(rel)))

        # a block job killed: its table never written, so the gather has not run either
        (SCATTER / "sweep/2J2/leverage_repeats1-2.csv").unlink()
        (SCATTER / "sweep/2J2.csv").unlink()
        rerun = planned(config_file)
        assert rerun == {"fit_sweep_block": 1, "fit_sweep": 1}, rerun
        snakemake(config_file, "-q")
        # the scattered rules declare every file they write, as the others do
        stray = [p for p in untracked(config_file, REPO / ".test")
                 if p.startswith("results/scatter/")]
        assert not stray, f"undeclared files of the scattered run: {stray[:20]}"
    shutil.rmtree(SCATTER)   # another study in .test's results/: the untracked check would see it
    print(f"scatter OK: descriptors in 2 parts and labels bitwise equal; {n_blocks} sweep blocks "
          f"gathered equal the single job's table (largest relative error difference "
          f"{largest:.1e}); a lost block reruns alone ({rerun})")


if __name__ == "__main__":
    main()
