"""The analysis at the paper's scale: 20,000 configurations of ~50 atoms, qSNAP 2Jmax 6.

Synthetic but realistic inputs: rattled/strained/defected Be crystals of 40-60 atoms
(``generate_crystals``) and six label levels from a Morse reference (``synthetic.py``) with
level-dependent offsets and noise (level 6 the reference). Stages, as the workflow runs them:
descriptors (LAMMPS compute snap, ``--workers`` processes) -> leverage (streamed R of the
weighted training half) -> one sweep (samplers x paper sizes x 6 energy weights x 6 levels).

Prints the wall time of every stage, the peak resident memory of the analysis process and of the
largest descriptor worker (goal: <= 8 GB), and descriptor throughput (atoms/s) at 2Jmax 6 and 8
on a subset, against FitSNAP's way of computing them (a fresh LAMMPS instance per configuration,
as fitsnap3lib's LammpsBase.process_configs does), measured in the same run.
Run: .venv/bin/python benchmarks/paper_scale.py [--configs 20000] [--workers 2] [--dir DIR]
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from mlipcost.descriptors.snap import DescriptorFile, SnapCalculator, SnapSettings, compute_descriptor_file
from mlipcost.dft.labels import Labels
from mlipcost.models.fit import build_fit_data, fit_sweep, leverage_scores
from mlipcost.structures.configurations import generate_crystals
from synthetic import level_labels, reference_many

PAPER_SIZES = [100, 200, 350, 500, 750, 1000, 1500, 2250, 3000, 5000, 7500, 9990]
WEIGHTS = [5.0, 10.0, 12.25, 50.0, 150.0, 300.0]


def peak_gb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024 ** 2  # ru_maxrss is in KiB on Linux


def synthetic_labels(structures, seed: int, workers: int) -> list[Labels]:
    rng = np.random.default_rng(seed)
    n = len(structures)
    energy = np.empty((n, 6))
    forces = np.empty((int(structures.n_atoms.sum()), 6, 3))
    refs = reference_many([structures.atoms(i) for i in range(n)], workers)
    for i, (e, f) in enumerate(refs):
        energy[i], forces[structures.offsets[i]:structures.offsets[i + 1]] = level_labels(e, f, rng)
    wall = np.outer(structures.n_atoms, [1, 2, 4, 8, 16, 32]).astype(float)
    return [Labels(energy[:, j], forces[:, j], np.zeros((n, 6)), wall[:, j], np.ones(n, bool),
                   [""] * n, structures.offsets, str(j + 1), {}) for j in range(6)]


def throughput(structures, twojmax: int, configs: range, fresh_per_config: bool) -> float:
    settings = SnapSettings(twojmax=twojmax)
    atoms = [structures.atoms(i) for i in configs]
    t = time.perf_counter()
    if fresh_per_config:
        for a in atoms:
            with SnapCalculator(settings, "Be") as calc:
                calc.compute(a)
    else:
        with SnapCalculator(settings, "Be") as calc:
            for a in atoms:
                calc.compute(a)
    return sum(len(a) for a in atoms) / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subset", type=int, default=200, help="configurations timed per "
                        "throughput comparison")
    parser.add_argument("--samplers", default="random,leverage,block_leverage")
    parser.add_argument("--dir", type=Path, default=None, help="where the descriptor file goes "
                        "(default: a temporary directory; it is ~12 GB at 20,000 configurations)")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="mlipcost-paper-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    times = {}

    t = time.perf_counter()
    structures = generate_crystals("Be", args.configs, 40, 60, seed=5)
    n_atoms = int(structures.n_atoms.sum())
    times["structures"] = time.perf_counter() - t
    print(f"{args.configs} configurations, {n_atoms} atoms ({n_atoms / args.configs:.1f} per "
          f"configuration), {times['structures']:.1f} s", flush=True)

    subset = range(min(args.subset, args.configs))
    for twojmax in (6, 8):
        theirs = throughput(structures, twojmax, subset, fresh_per_config=True)
        ours = throughput(structures, twojmax, subset, fresh_per_config=False)
        print(f"descriptor throughput 2Jmax {twojmax} on {len(subset)} configurations: FitSNAP's "
              f"way (fresh LAMMPS per configuration) {theirs:.0f} atoms/s, ours in one process "
              f"{ours:.0f} atoms/s ({ours / theirs:.2f}x)", flush=True)

    t = time.perf_counter()
    labels = synthetic_labels(structures, seed=9, workers=args.workers)
    times["labels"] = time.perf_counter() - t
    forces = labels[-1].forces
    print(f"reference labels: {times['labels']:.0f} s; forces {np.sqrt(np.mean(forces ** 2)):.2f} "
          f"eV/A RMS", flush=True)

    path = workdir / "2J6.h5"
    t = time.perf_counter()
    compute_descriptor_file(structures, SnapSettings(twojmax=6), "Be", path, {},
                            workers=args.workers, log=lambda *_: None)
    times["descriptors"] = time.perf_counter() - t
    size_gb = path.stat().st_size / 1e9
    print(f"descriptors 2Jmax 6, {args.workers} worker processes: {times['descriptors']:.0f} s, "
          f"{n_atoms / times['descriptors']:.0f} atoms/s ({n_atoms / times['descriptors'] / args.workers:.0f} per "
          f"process); file {size_gb:.1f} GB", flush=True)

    t = time.perf_counter()
    desc = DescriptorFile(path)
    data = build_fit_data(desc, labels, np.ones(args.configs, bool))
    rng = np.random.default_rng(58)
    is_train = np.zeros(args.configs, bool)
    is_train[rng.permutation(args.configs)[: args.configs // 2]] = True
    train, test = np.flatnonzero(is_train), np.flatnonzero(~is_train)
    times["load"] = time.perf_counter() - t

    t = time.perf_counter()
    scores = leverage_scores(data, train, 150.0)
    times["leverage"] = time.perf_counter() - t
    print(f"leverage of {len(train)} training configurations: {times['leverage']:.0f} s, rank "
          f"{int(scores['rank'].iloc[0])}, block leverage sum "
          f"{scores['block_leverage'].sum():.4f}", flush=True)

    samplers = args.samplers.split(",")
    t = time.perf_counter()
    table = fit_sweep(data, train, test, samplers=samplers, sizes=PAPER_SIZES,
                      energy_weights=WEIGHTS, repeats=1, seed=58,
                      scores={"leverage": scores["leverage"].to_numpy(),
                              "block_leverage": scores["block_leverage"].to_numpy()},
                      reference_level="6",
                      cost_s=np.stack([lab.wall_time_s for lab in labels], axis=1), twojmax=6)
    times["sweep"] = time.perf_counter() - t
    best = table[table["train_level"] == "6"].sort_values("size").iloc[-1]
    print(f"sweep: {len(table)} fits ({len(samplers)} samplers x {len(PAPER_SIZES)} sizes x "
          f"{len(WEIGHTS)} weights x 6 levels) in {times['sweep']:.0f} s; largest level-6 fit: "
          f"test {best['test_energy_rmse_meV_per_atom_vs_reference']:.2f} meV/atom, "
          f"{best['test_force_rmse_meV_per_A_vs_reference']:.1f} meV/A", flush=True)

    print("stage times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()))
    print(f"peak memory: analysis process {peak_gb():.2f} GB, largest descriptor worker "
          f"{peak_gb(resource.RUSAGE_CHILDREN):.2f} GB   (goal <= 8 GB)")
    if args.dir is None:
        path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
