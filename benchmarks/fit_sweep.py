"""The fit-sweep engine against the paper's method and against its own per-weight solves, in one
run, on the same problem.

Problem: qSNAP descriptors from LAMMPS (2Jmax 6: 495 columns by default) for N configurations of
Be atoms (40-60 by default); six synthetic label levels (a Morse reference, ``synthetic.py``, plus
level-dependent offsets and noise); 50/50 split; the paper's samplers (random, leverage, block
leverage: one ordering each) x the training sizes x 6 energy weights x 6 levels.

Engine against itself: the same sweep as the engine ran it before (every energy weight solved on
its own, ``shared_factorization=False``; force rows read from the descriptor file at each use,
``ForceRows(in_memory_bytes=0)``; every ordering's rows folded by Cholesky updates,
``whitened_growth=False``; BLAS threads as they come, NumPy's and SciPy's OpenBLAS pools both at
the core count) and now (``solve_weights``; rows read once and kept; the orderings after the first
grown from whitened rows; ``linalg.blas_threads``: SciPy's BLAS on every core, NumPy's on one).
Prints the time ratio, the part of it that the thread pools alone make (now with the threads as
they come), and the largest RMSE difference. The default is 5 orderings per sampler, 15 in all (a
sweep job of config/paper.yaml has 5 of one sampler; `make study`'s single job has 60): the whitened
rows pay for themselves over the orderings, so the ratio grows with their number (measured here:
1.75x with --repeats 1, 2.52x with --samplers random --repeats 5, 4.66x at the default). The solves dominate
where the columns are many and the configurations small, as in the Be ladder study at 2Jmax 8:
  .venv/bin/python benchmarks/fit_sweep.py --twojmax 8 --configs 300 --atoms 6-16 \
      --sizes 5,8,11,15,22,34,45,75,112,150 --repeats 2 --skip-paper
and on the study's own files (after `make study`):
  .venv/bin/python benchmarks/fit_sweep.py --study results/study --twojmax 8 \
      --sizes 5,8,11,15,22,34,45,75,112,150 --repeats 2

Paper's method, per fit: weight the subset rows, scipy.linalg.lstsq(cond=1e-13), predict the
subset, the training half and the test half, RMSE against the training level and the reference.
It is timed on every (sampler, size, weight) for --baseline-levels levels and scaled to all six
(each level is an independent fit in that method); the engine does everything. Both use the same
leverage scores, computed once beforehand (their time is printed, not counted).
Prints the speed ratio (goal >= 100x), the engine's time for its first ordering (which also
factors the test half) and for each further one, and the largest relative RMSE difference
(goal <= 1e-6).
Run: .venv/bin/python benchmarks/fit_sweep.py [--configs 2000] [--samplers random,...]
     [--baseline-levels 1] [--twojmax 6] [--atoms 40-60] [--sizes ...] [--repeats 5]
     [--skip-paper] [--study results/study]
"""

import argparse
import contextlib
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.linalg

from mlipcost.descriptors.snap import DescriptorFile, SnapSettings, compute_descriptor_file
from mlipcost.models.fit import FitData, ForceRows, fit_sweep, leverage_scores, sampling_order
from mlipcost.models.linalg import blas_threads
from mlipcost.structures.configurations import generate_crystals
from synthetic import level_labels, reference_many

SIZES = [25, 50, 100, 200, 300, 500, 750, 1000]
WEIGHTS = [5.0, 10.0, 12.25, 50.0, 150.0, 300.0]
N_LEVELS = 6


def build_problem(n_configs: int, folder: Path, seed: int = 1, twojmax: int = 6,
                  atoms: tuple[int, int] = (40, 60)) -> tuple[FitData, DescriptorFile]:
    """The sweep's problem with its descriptors in a descriptor file, as the workflow has them
    (``FitData.force_a`` reads that file)."""
    structures = generate_crystals("Be", n_configs, *atoms, seed=seed)
    rng = np.random.default_rng(seed)
    refs = reference_many([structures.atoms(i) for i in range(n_configs)], workers=2)
    settings = SnapSettings(twojmax=twojmax)
    t = time.perf_counter()
    path = folder / f"2J{twojmax}.h5"
    compute_descriptor_file(structures, settings, "Be", path,
                            {"element": "Be", **settings.as_dict()}, log=lambda *_: None)
    dt = time.perf_counter() - t
    desc = DescriptorFile(path)
    energy_y, force_y = [], []
    for i, (e, f) in enumerate(refs):
        energies, forces = level_labels(e, f, rng)
        energy_y.append(energies / len(f))
        force_y.append(np.einsum("nlj,jk->nkl", forces, desc.rotation[i]).reshape(-1, N_LEVELS))
    configs = np.arange(n_configs)
    data = FitData(desc.energy_rows, np.array(energy_y), ForceRows(desc, configs), force_y,
                   [str(i + 1) for i in range(N_LEVELS)], configs)
    n_atoms = int(structures.n_atoms.sum())
    print(f"descriptors: {n_configs} configurations, {n_atoms} atoms, {dt:.1f} s "
          f"({n_atoms / dt:.0f} atoms/s at 2Jmax {twojmax}, {data.n_features} columns)")
    return data, desc


def stack(data: FitData, configs, level=None):
    a = np.vstack([np.vstack([data.energy_a[c][None], data.force_a[c]]) for c in configs])
    is_energy = np.concatenate([[True] + [False] * len(data.force_a[c]) for c in configs])
    y = np.vstack([np.vstack([data.energy_y[c][None], data.force_y[c]]) for c in configs])
    return a, y, is_energy


def paper_fit(data, sub_a, sub_y, sub_e, halves, level, weight):
    w = np.where(sub_e, weight, 1.0)
    coef = scipy.linalg.lstsq(w[:, None] * sub_a, w * sub_y[:, level], cond=1e-13)[0]
    out = {}
    for name, (a, y, e) in {"subsample": (sub_a, sub_y, sub_e), **halves}.items():
        pred = a @ coef
        for target, col in (("train_level", level), ("reference", N_LEVELS - 1)):
            r = pred - y[:, col]
            out[(name, "energy", target)] = 1e3 * np.sqrt(np.mean(r[e] ** 2))
            out[(name, "force", target)] = 1e3 * np.sqrt(np.mean(r[~e] ** 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=int, default=2000)
    parser.add_argument("--samplers", default="random,leverage,block_leverage")
    parser.add_argument("--baseline-levels", type=int, default=1)
    parser.add_argument("--twojmax", type=int, default=6)
    parser.add_argument("--atoms", default="40-60", help="configuration sizes, min-max")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--repeats", type=int, default=5, help="orderings per sampler")
    parser.add_argument("--skip-paper", action="store_true",
                        help="compare the engine with itself only")
    parser.add_argument("--study", type=Path,
                        help="a finished study's results folder (e.g. results/study after `make "
                        "study`): its own descriptors, labels and split at --twojmax instead of "
                        "the synthetic problem (implies --skip-paper)")
    args = parser.parse_args()
    samplers = args.samplers.split(",")
    sizes_asked = [int(n) for n in args.sizes.split(",")]
    if args.study:
        from mlipcost.models.stage import load_fit_problem

        _, _, desc, data, train, test = load_fit_problem(
            args.study / "structures.h5", args.study / f"descriptors/2J{args.twojmax}.h5",
            sorted((args.study / "labels").glob("level*.h5")))
        args.skip_paper, args.configs = True, len(data)
        print(f"{args.study}: {len(data)} configurations, 2Jmax {args.twojmax}, "
              f"{data.n_features} columns, {len(data.levels)} levels")
    else:
        folder = tempfile.TemporaryDirectory()
        data, desc = build_problem(args.configs, Path(folder.name), twojmax=args.twojmax,
                                   atoms=tuple(int(n) for n in args.atoms.split("-")))
        rng = np.random.default_rng(7)
        order = rng.permutation(args.configs)
        train, test = np.sort(order[: args.configs // 2]), np.sort(order[args.configs // 2:])
    # the engine before: every energy weight solved on its own, force rows read from the file
    # at each use
    data_before = dataclasses.replace(
        data, force_a=ForceRows(desc, data.config_index, in_memory_bytes=0))
    n_levels = len(data.levels)
    t = time.perf_counter()
    lev = leverage_scores(data, train, 150.0)
    scores = {"leverage": lev["leverage"].to_numpy(),
              "block_leverage": lev["block_leverage"].to_numpy()}
    print(f"leverage scores (shared by both methods): {time.perf_counter() - t:.1f} s")

    sizes = sorted({min(s, len(train)) for s in sizes_asked})

    cores = len(os.sched_getaffinity(0))

    def engine(names, shared=True, repeats=1, pinned=True):
        t = time.perf_counter()
        with blas_threads(cores) if pinned else contextlib.nullcontext():
            table = fit_sweep(data if shared else data_before, train, test, samplers=names,
                              sizes=sizes, energy_weights=WEIGHTS, repeats=repeats, seed=11,
                              scores=scores, reference_level=data.levels[-1],
                              cost_s=np.ones((args.configs, n_levels)), twojmax=args.twojmax,
                              shared_factorization=shared, whitened_growth=shared)
        return table, time.perf_counter() - t

    per_weight, t_per_weight = engine(samplers, shared=False, repeats=args.repeats, pinned=False)
    _, t_unpinned = engine(samplers, repeats=args.repeats, pinned=False)
    shared, t_shared = engine(samplers, repeats=args.repeats)
    rmse = [c for c in shared.columns if "_rmse_" in c]
    ref = per_weight[rmse].to_numpy()
    diff = np.abs(shared[rmse].to_numpy() - ref)
    print(f"engine, {len(shared)} fits ({len(samplers)} samplers x {args.repeats} orderings x "
          f"{len(sizes)} sizes x {len(WEIGHTS)} weights x {n_levels} levels), {cores} cores: "
          f"before (each weight solved on its own, rows read from the file at each use, every "
          f"row folded, BLAS pools as they come) {t_per_weight:.1f} s; now (every weight from "
          f"one factorization, rows kept, later orderings from whitened rows) {t_unpinned:.1f} s "
          f"with the BLAS pools as they come, {t_shared:.1f} s with blas_threads({cores})")
    print(f"speed ratio (before / now): {t_per_weight / t_shared:.2f}x   (goal >= 4x); "
          f"without blas_threads {t_per_weight / t_unpinned:.2f}x")
    # interpolating subsets fit their own rows to rounding: compare RMSEs above 1 meV
    large = np.abs(ref) > 1.0
    print(f"largest RMSE difference: {diff.max():.2e} meV; relative, of RMSEs above 1 meV: "
          f"{(diff[large] / np.abs(ref[large])).max():.2e}   (goal <= 1e-6)")
    if args.skip_paper:
        return

    _, t_first = engine(samplers[:1])
    table, t_engine = engine(samplers)
    print(f"engine: {len(table)} fits ({len(samplers)} samplers x {len(sizes)} sizes x "
          f"{len(WEIGHTS)} weights x {N_LEVELS} levels) in {t_engine:.1f} s; first ordering alone "
          f"(with the test half's factorization) {t_first:.1f} s, each further ordering "
          f"{(t_engine - t_first) / max(len(samplers) - 1, 1):.1f} s")

    halves = {"train": stack(data, train), "test": stack(data, test)}
    worst, n_fits = 0.0, 0
    t = time.perf_counter()
    for si, sampler in enumerate(samplers):
        # the ordering the engine drew for this sampler
        rng = np.random.default_rng([11, 0, si])
        ordering = train[sampling_order(len(train), sampler, rng, scores.get(sampler))]
        for size in sizes:
            sub_a, sub_y, sub_e = stack(data, ordering[:size])
            for weight in WEIGHTS:
                for level in range(args.baseline_levels):
                    ref = paper_fit(data, sub_a, sub_y, sub_e, halves, level, weight)
                    n_fits += 1
                    row = table[(table["sampler"] == sampler) & (table["size"] == size)
                                & (table["energy_weight"] == weight)
                                & (table["train_level"] == str(level + 1))].iloc[0]
                    for (name, quantity, target), value in ref.items():
                        unit = "meV_per_atom" if quantity == "energy" else "meV_per_A"
                        ours = row[f"{name}_{quantity}_rmse_{unit}_vs_{target}"]
                        worst = max(worst, abs(ours - value) / value)
    t_paper = (time.perf_counter() - t) * N_LEVELS / args.baseline_levels
    print(f"paper's method: {n_fits} fits timed, {t_paper:.1f} s for all {len(table)} fits (scaled "
          f"from {args.baseline_levels} of {N_LEVELS} levels)")
    print(f"speed ratio (paper / engine): {t_paper / t_engine:.0f}x   (goal >= 100x)")
    print(f"largest relative RMSE difference: {worst:.2e}   (goal <= 1e-6)")


if __name__ == "__main__":
    main()
