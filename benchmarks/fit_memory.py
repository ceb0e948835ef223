"""`mlipcost fit` on the W-Be set's beryllium (../shared/data/be_wbe.extxyz.gz: 6,355
configurations, 131,083 atoms), qSNAP 2Jmax 6 (496 columns, stress rows): wall time and peak
memory on one core and on every core, side by side, in one run.

The fit streams: descriptors come from ``--workers`` LAMMPS processes, rows are folded into an R
factor as they arrive and wait on disk for the metrics pass, so memory is bounded by the
columns. Goals (the issue's, against FitSNAP measured here at 4.8 GB and 449 CPU-s): peak memory
<= 2.4 GB; all-core wall <= 0.6 x one-core wall.
Run: .venv/bin/python benchmarks/fit_memory.py [--twojmax 6] [--data ../shared/data/be_wbe.extxyz.gz]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

INPUT = """[BISPECTRUM]
numTypes = 1
twojmax = {twojmax}
rcutfac = 4.812302818
rfac0 = 0.99363
rmin0 = 0.0
wj = 1.0
radelem = 0.5
type = Be
wselfallflag = 0
chemflag = 0
bzeroflag = 1
quadraticflag = 1

[CALCULATOR]
calculator = LAMMPSSNAP
energy = 1
force = 1
stress = 1

[ESHIFT]
Be = 0.0

[SOLVER]
solver = SVD

[OUTFILE]
potential = Be_pot

[GROUPS]
group_sections = name training_size testing_size eweight fweight vweight
group_types = str float float float float float
smartweights = 0
random_sampling = 0
{groups}
"""


def groups(data: Path) -> list[str]:
    from mlipcost.io.trajectories import iter_frames

    return sorted({atoms.info["group"] for atoms in iter_frames(data)})


def run(input_path: Path, data: Path, out: Path, workers: int) -> tuple[float, float]:
    """(wall s, peak resident memory GB of the largest process) of one `mlipcost fit`."""
    script = ("import resource, sys; from mlipcost.cli import main; status = main(sys.argv[1:]); "
              "print('PEAK_KB', max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
              "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(status)")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, "fit", "--fitsnap-input",
                           str(input_path), "--data", str(data), "--out", str(out),
                           "--workers", str(workers)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    peak_kb = int(proc.stdout.split("PEAK_KB")[1].split()[0])
    return wall, peak_kb / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--twojmax", type=int, default=6)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2]
                        / "shared/data/be_wbe.extxyz.gz")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        names = groups(args.data)
        input_path = folder / "Be.in"
        input_path.write_text(INPUT.format(twojmax=args.twojmax, groups="\n".join(
            f"{name} = 1.0 0.0 100 1 1.0E-08" for name in names)))
        one = run(input_path, args.data, folder / "one", 1)
        every = run(input_path, args.data, folder / "all", cores)
        coefs = [np.loadtxt(folder / f"{name}/Be_pot.snapcoeff", skiprows=4, usecols=0)
                 for name in ("one", "all")]
        difference = np.abs(coefs[0] - coefs[1]).max() / np.abs(coefs[0]).max()
    print(f"mlipcost fit, {args.data.name}, 2Jmax {args.twojmax}, {len(names)} groups:")
    print(f"  one core:        wall {one[0]:7.1f} s, peak memory {one[1]:.2f} GB")
    print(f"  {cores} cores:{' ' * (9 - len(str(cores)))}wall {every[0]:7.1f} s, peak memory "
          f"{every[1]:.2f} GB")
    print(f"wall ratio (all cores / one core): {every[0] / one[0]:.2f}   (goal <= 0.6)")
    print(f"peak memory: {max(one[1], every[1]):.2f} GB   (goal <= 2.4 GB; FitSNAP 4.8 GB)")
    print(f"largest coefficient difference, one core against {cores} (relative to the largest "
          f"coefficient): {difference:.1e}")


if __name__ == "__main__":
    main()
