"""The fit-sweep engine against the paper's method, in one run, on the same problem.

Problem: qSNAP 2Jmax 6 (495 columns) descriptors from LAMMPS for N configurations of 40-60 Be
atoms; six synthetic label levels (a Lennard-Jones reference plus level-dependent offsets and
noise); 50/50 split; 8 training sizes x 6 energy weights x 6 levels from one random ordering.

Paper's method, per fit: weight the subset rows, scipy.linalg.lstsq(cond=1e-13), predict the
subset, the training half and the test half, RMSE against the training level and the reference.
It is timed on every (size, weight) for --baseline-levels levels and scaled to all six (each level
is an independent fit in that method); the engine does everything.
Prints the speed ratio (goal >= 100x) and the largest relative RMSE difference (goal <= 1e-6).
Run: .venv/bin/python benchmarks/fit_sweep.py [--configs 2000] [--baseline-levels 1]
"""

import argparse
import time

import numpy as np
import scipy.linalg
from ase.calculators.lj import LennardJones

from mlipcost.descriptors import SnapCalculator, SnapSettings
from mlipcost.fit import FitData, fit_sweep
from mlipcost.structures import generate_crystals

SIZES = [25, 50, 100, 200, 300, 500, 750, 1000]
WEIGHTS = [5.0, 10.0, 12.25, 50.0, 150.0, 300.0]
N_LEVELS = 6


def build_problem(n_configs: int, seed: int = 1) -> FitData:
    structures = generate_crystals("Be", n_configs, 40, 60, seed=seed)
    rng = np.random.default_rng(seed)
    energy_a, energy_y, force_a, force_y = [], [], [], []
    t = time.perf_counter()
    with SnapCalculator(SnapSettings(twojmax=6), "Be") as calc:
        for i in range(n_configs):
            atoms = structures.atoms(i)
            rows = calc.compute(atoms)
            atoms.calc = LennardJones(sigma=2.0, epsilon=0.3, rc=4.8, smooth=True)
            e = atoms.get_potential_energy() / len(atoms)
            f = (atoms.get_forces() @ rows.rotation).ravel()
            # level L: an offset and noise that shrink towards the reference (level 6)
            scale = np.array([0.3, 0.08, 0.02, 0.008, 0.001, 0.0])
            energy_y.append(e + scale + scale * rng.normal(size=N_LEVELS) * 0.2)
            force_y.append(f[:, None] + scale[None, :] * rng.normal(size=(len(f), N_LEVELS)))
            energy_a.append(rows.a[0])
            force_a.append(rows.a[1:])
    n_atoms = int(structures.n_atoms.sum())
    dt = time.perf_counter() - t
    print(f"descriptors: {n_configs} configurations, {n_atoms} atoms, {dt:.1f} s "
          f"({n_atoms / dt:.0f} atoms/s at 2Jmax 6)")
    return FitData(np.array(energy_a), np.array(energy_y), force_a, force_y,
                   [str(i + 1) for i in range(N_LEVELS)], np.arange(n_configs))


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
    parser.add_argument("--baseline-levels", type=int, default=1)
    args = parser.parse_args()
    data = build_problem(args.configs)
    rng = np.random.default_rng(7)
    order = rng.permutation(args.configs)
    train, test = np.sort(order[: args.configs // 2]), np.sort(order[args.configs // 2:])

    t = time.perf_counter()
    table = fit_sweep(data, train, test, ["random"], SIZES, WEIGHTS, 1, 11, {}, str(N_LEVELS),
                      np.ones((args.configs, N_LEVELS)), 6)
    t_engine = time.perf_counter() - t
    print(f"engine: {len(table)} fits (8 sizes x 6 weights x 6 levels) in {t_engine:.1f} s")

    # the same ordering the engine drew
    ordering = train[np.random.default_rng([11, 0, 0]).permutation(len(train))]
    halves = {"train": stack(data, train), "test": stack(data, test)}
    worst, n_fits = 0.0, 0
    t = time.perf_counter()
    for size in sorted({min(s, len(train)) for s in SIZES}):
        sub_a, sub_y, sub_e = stack(data, ordering[:size])
        for weight in WEIGHTS:
            for level in range(args.baseline_levels):
                ref = paper_fit(data, sub_a, sub_y, sub_e, halves, level, weight)
                n_fits += 1
                row = table[(table["size"] == size) & (table["energy_weight"] == weight)
                            & (table["train_level"] == str(level + 1))].iloc[0]
                for (name, quantity, target), value in ref.items():
                    unit = "meV_per_atom" if quantity == "energy" else "meV_per_A"
                    ours = row[f"{name}_{quantity}_rmse_{unit}_vs_{target}"]
                    worst = max(worst, abs(ours - value) / value)
    t_paper = (time.perf_counter() - t) * N_LEVELS / args.baseline_levels
    print(f"paper's method: {n_fits} fits timed, {t_paper:.1f} s for all "
          f"{len(SIZES) * len(WEIGHTS) * N_LEVELS} fits (scaled from {args.baseline_levels} of "
          f"{N_LEVELS} levels)")
    print(f"speed ratio (paper / engine): {t_paper / t_engine:.0f}x   (goal >= 100x)")
    print(f"largest relative RMSE difference: {worst:.2e}   (goal <= 1e-6)")


if __name__ == "__main__":
    main()
