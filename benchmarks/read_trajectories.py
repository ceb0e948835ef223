"""Reading a compressed trajectory costs what reading the plain file does.

Data: ``../shared/data/be_wbe.extxyz.gz``, the 6,355 Be configurations (131,083 atoms) of the W–Be
SNAP training set. Settings: the Be part of FitSNAP's W–Be example
(``examples/WBe_PRB2019/20May21_Standard/WBe-example.in``: rcutfac 4.812302818, rfac0 0.99363,
Be radelem 0.417932464 and wj 0.9590493408, bzeroflag 1, ZBL 4–4 reference, its per-group energy
and force weights) at 2Jmax 4, written to a temporary FitSNAP input.

In one run, on one machine:
1. reading throughput (frames/s) of ``mlipcost.io.trajectories.read_frames`` on the gzip file and on
   the same file decompressed, and of ASE's ``read(index=":")`` on a prefix of ``--ase-frames``
   frames of both (ASE seeks back once per frame, which on a gzip stream decompresses from the
   start: on the whole file that is the 475 s the issue measured);
2. ``mlipcost fit`` wall time on the gzip file over the plain one, as the last line
   ``gz/plain ratio R`` (goal R <= 1.2).
Run: .venv/bin/python benchmarks/read_trajectories.py [--ase-frames 1000] [--skip-fit]
"""

import argparse
import gzip
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ase.io import read

from mlipcost.io.trajectories import iter_frames, read_frames

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/be_wbe.extxyz.gz"

# (energy weight, force weight) of the W–Be example's Be groups
GROUP_WEIGHTS = {
    "FreeSurf": (41.9393253217912, 68.9623173495202),
    "Defect": (11.6129704286138, 20.1327190878775),
    "DFTMD": (436.46713269739, 25.9225848378898),
    "Elast_Shear": (178.350842653746, 793.596683274656),
    "Elast_Vol": (178.350842653746, 1553.7039315755),
    "EOS": (338.213923534691, 1553.7039315755),
    "StackFaults": (11.6129704286138, 793.596683274656),
    "Liquids": (0.0353125583595375, 25.9225848378898),
}


def group_weights(group: str) -> tuple[float, float]:
    if group.startswith("Elast"):
        return GROUP_WEIGHTS["Elast_Shear" if group.endswith("Shear") else "Elast_Vol"]
    for key, weights in GROUP_WEIGHTS.items():
        if key in group:
            return weights
    raise KeyError(f"no W–Be weights for group {group}")


def fitsnap_input(groups: list[str]) -> str:
    lines = ["[BISPECTRUM]", "numTypes = 1", "twojmax = 4", "rcutfac = 4.812302818",
             "rfac0 = 0.99363", "rmin0 = 0.0", "wj = 0.9590493408", "radelem = 0.417932464",
             "type = Be", "wselfallflag = 0", "chemflag = 0", "bzeroflag = 1", "quadraticflag = 0",
             "", "[CALCULATOR]", "calculator = LAMMPSSNAP", "energy = 1", "force = 1", "stress = 1",
             "", "[ESHIFT]", "Be = 0.0", "", "[SOLVER]", "solver = SVD", "",
             "[OUTFILE]", "metrics = Be_metrics.md", "potential = Be_pot", "",
             "[REFERENCE]", "units = metal", "atom_style = atomic",
             "pair_style = hybrid/overlay zero 10.0 zbl 4.0 4.8", "pair_coeff1 = * * zero",
             "pair_coeff2 = * * zbl 4 4", "", "[GROUPS]",
             "group_sections = name training_size testing_size eweight fweight vweight",
             "group_types = str float float float float float", "smartweights = 0",
             "random_sampling = 0"]
    for group in groups:
        energy, force = group_weights(group)
        lines.append(f"{group} = 1.0 0.0 {energy!r} {force!r} 1.0e-12")
    return "\n".join(lines) + "\n"


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def run_fit(fitsnap_in: Path, data: Path, out: Path) -> float:
    cli = Path(sys.executable).with_name("mlipcost")
    start = time.perf_counter()
    subprocess.run([str(cli), "fit", "--fitsnap-input", str(fitsnap_in), "--data", str(data),
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ase-frames", type=int, default=1000,
                        help="frames of the prefix ASE's reader is timed on")
    parser.add_argument("--skip-fit", action="store_true", help="time reading only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = tmp / "be_wbe.extxyz"
        with gzip.open(DATA, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        print(f"{DATA.name}: {DATA.stat().st_size / 1e6:.1f} MB gzip, "
              f"{plain.stat().st_size / 1e6:.1f} MB plain")

        frames, t_gz = timed(lambda: read_frames(DATA))
        _, t_plain = timed(lambda: read_frames(plain))
        n = len(frames)
        print(f"read_frames, all {n} frames: gzip {t_gz:.1f} s ({n / t_gz:.0f} frames/s), "
              f"plain {t_plain:.1f} s ({n / t_plain:.0f} frames/s)")

        k = min(args.ase_frames, n)
        prefix_gz, prefix_plain = tmp / "prefix.extxyz.gz", tmp / "prefix.extxyz"
        from ase.io import write
        write(prefix_plain, frames[:k], format="extxyz")
        with open(prefix_plain, "rb") as src, gzip.open(prefix_gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        _, ase_gz = timed(lambda: read(prefix_gz, ":"))
        _, ase_plain = timed(lambda: read(prefix_plain, ":"))
        _, ours_gz = timed(lambda: list(itertools.islice(iter_frames(prefix_gz), k)))
        print(f"first {k} frames: ASE read(':') gzip {ase_gz:.1f} s ({k / ase_gz:.0f} frames/s), "
              f"plain {ase_plain:.1f} s; read_frames gzip {ours_gz:.2f} s "
              f"({k / ours_gz:.0f} frames/s): ASE/ours on gzip {ase_gz / ours_gz:.0f}x")
        if args.skip_fit:
            return

        groups = sorted({a.info["group"] for a in frames})
        fitsnap_in = tmp / "Be-2J4.in"
        fitsnap_in.write_text(fitsnap_input(groups))
        del frames
        t_fit_plain = run_fit(fitsnap_in, plain, tmp / "fit_plain")
        t_fit_gz = run_fit(fitsnap_in, DATA, tmp / "fit_gz")
        same = ((tmp / "fit_plain/Be_pot.snapcoeff").read_text().splitlines()[4:]
                == (tmp / "fit_gz/Be_pot.snapcoeff").read_text().splitlines()[4:])
        print(f"mlipcost fit, 2Jmax 4, {n} configurations: gzip {t_fit_gz:.1f} s, plain "
              f"{t_fit_plain:.1f} s; coefficients {'identical' if same else 'DIFFER'}")
        print(f"gz/plain ratio {t_fit_gz / t_fit_plain:.2f}")


if __name__ == "__main__":
    main()
