"""The cost model of `mlipcost estimate` against measured stages, in one run.

Problem: N rattled/strained Be crystals of 40–60 atoms (default 400), three label levels
(random labels: the work does not depend on their values), descriptors at one 2Jmax
(default 6) through the workflow's own code (compute_descriptor_file), then one sweep block
(one sampler, --repeats orderings, the paper's six energy weights, training sizes up to 60 % of the
training half) and the whole-half fits.
For each stage: the model's core-seconds (its rates measured first, in this run) next to the
measured wall time on one core, and the ratio predicted/measured; and the model's peak memory
next to the peak of the stage's numpy allocations (tracemalloc; LAMMPS's own memory is not
counted, and the model adds 0.3–0.5 GB for the interpreter and libraries).
Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cost_model.py [--configs 400] [--twojmax 6]
     [--repeats 2]
"""

import argparse
import tracemalloc
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from mlipcost.models.cost_model import (Problem, descriptor_job, measure_rates, sweep_job,
                                        whole_half_job)
from mlipcost.descriptors.snap import DescriptorFile, SnapSettings, compute_descriptor_file
from mlipcost.dft.labels import Labels
from mlipcost.models.fit import build_fit_data, fit_sweep, whole_half_fits
from mlipcost.structures.configurations import generate_crystals

WEIGHTS = [5.0, 10.0, 12.25, 50.0, 150.0, 300.0]
WHOLE_HALF_WEIGHTS = [0.01, 0.1, 1, 5, 10, 12.25, 20, 50, 100, 150, 200, 300, 500, 750, 1000, 1500,
                      2000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=400)
    parser.add_argument("--twojmax", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    n = args.configs
    structures = generate_crystals("Be", n, 40, 60, seed=2)
    n_train = n // 2
    sizes = sorted({max(10, int(f * n_train)) for f in (0.1, 0.2, 0.4, 0.6)})
    config = {
        "element": "Be",
        "structures": {"source": "crystals", "n_configs": n, "n_atoms_min": 40,
                       "n_atoms_max": 60, "bulk_reference": False},
        "split": {"test_fraction": 0.5},
        "dft": {"levels": [{"name": str(i)} for i in (1, 2, 3)]},
        "descriptors": {"twojmax": [args.twojmax]},
        "fit": {"reference_level": "3", "energy_weights": WEIGHTS, "training_sizes": sizes,
                "samplers": ["random"], "repeats": args.repeats},
    }
    with threadpool_limits(1):
        rates = measure_rates([args.twojmax], "Be", {}, seconds=1.0)
        problem = Problem.of(config, n_configs=n, atoms=float(structures.n_atoms.mean()))
        print(f"{n} configurations, {int(structures.n_atoms.sum())} atoms, 2Jmax "
              f"{args.twojmax}; rates: " + "; ".join(rates.lines()))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "2J.h5"
            tracemalloc.start()
            start = time.perf_counter()
            compute_descriptor_file(structures, SnapSettings(twojmax=args.twojmax), "Be", path, {},
                                    log=lambda m: None)
            measured = {"descriptors": time.perf_counter() - start}
            job = descriptor_job(config, args.twojmax, rates, problem)
            predicted = {"descriptors": job["core_s"]}
            peaks = {"descriptors": (tracemalloc.get_traced_memory()[1], job["mem_bytes"])}
            tracemalloc.reset_peak()

            rng = np.random.default_rng(0)
            n_atoms = int(structures.n_atoms.sum())
            labels = [Labels(rng.normal(size=n), rng.normal(size=(n_atoms, 3)), np.zeros((n, 6)),
                             np.ones(n), np.ones(n, bool), [""] * n, structures.offsets, str(j),
                             {}) for j in (1, 2, 3)]
            data = build_fit_data(DescriptorFile(path), labels, np.ones(n, bool))
            train, test = np.arange(n_train), np.arange(n_train, n)
            tracemalloc.reset_peak()
            start = time.perf_counter()
            fit_sweep(data, train, test, samplers=["random"], sizes=sizes, energy_weights=WEIGHTS,
                      repeats=args.repeats, seed=1, scores={}, reference_level="3",
                      cost_s=np.ones((n, 3)), twojmax=args.twojmax)
            measured["fit_sweep block"] = time.perf_counter() - start
            sweep = sweep_job(config, args.twojmax, rates, problem)
            predicted["fit_sweep block"] = sweep["core_s"]
            peaks["fit_sweep block"] = (tracemalloc.get_traced_memory()[1], sweep["mem_bytes"])
            start = time.perf_counter()
            whole_half_fits(data, train, test, WHOLE_HALF_WEIGHTS, "3", np.ones((n, 3)),
                            args.twojmax)
            measured["whole_half"] = time.perf_counter() - start
            predicted["whole_half"] = whole_half_job(config, args.twojmax, rates, problem,
                                                     len(WHOLE_HALF_WEIGHTS))["core_s"]
    for stage, seconds in measured.items():
        guess = predicted[stage]
        memory = ""
        if stage in peaks:
            used, model = peaks[stage]
            memory = f"; memory: numpy peak {used / 1e9:.2f} GB, model {model / 1e9:.2f} GB"
        print(f"{stage:16s} measured {seconds:7.1f} s  predicted {guess:7.1f} s  "
              f"ratio {guess / seconds:.2f}{memory}")


if __name__ == "__main__":
    main()
