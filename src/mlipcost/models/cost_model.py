"""What a study will cost before it starts: jobs, core-hours, memory and disk per stage.

Work is counted from the config (configurations, atoms, levels, 2Jmax, sizes, repeats) and turned
into time with rates measured on the machine that runs the estimate:
- descriptors: seconds per atom of LAMMPS ``compute snap`` (+ ``snad``/``snav``) per 2Jmax, on a
  rattled 54-atom hcp cell;
- the fits: the flop rate of the streamed R update (Householder/Cholesky folds of row blocks,
  2·m·k² flops for m rows of k columns) and of the whitened Gram fold (one syrk, m·k² flops),
  on one core, at the largest 2Jmax's column count
  (clipped to 200–1,500 columns, so that the measurement takes about a second; the update's rate
  falls beyond that, the Gram fold's does not: 18.8 and 50.9 GFLOP/s at 4,289 columns against 31.5
  and 49.8 at 1,500 on the development machine, and the whitening 40.8, so 2Jmax 10's sweep hours
  are about a quarter low there).

The model of each stage (R = rows per configuration, K = columns + levels):
- label_chunk: the config's ``seconds_per_config`` per level (the paper's A100 seconds in
  config/paper.yaml), or ``--dft-seconds`` for levels without one;
- descriptors: atoms × s/atom; disk 8·rows·K bytes; memory: a block of 65,536 rows twice;
- leverage and whole_half: one R of the training half (2·rows·K² flops) plus, for whole_half,
  a QR of the stacked 2K×K factors per weight;
- fit_sweep: per ordering, the rows of its largest fitted training size folded (the sweep's first
  ordering) or, for every later one, whitened rows folded into a Gram matrix (m·k² flops at the
  Gram rate) and a Cholesky factor and a triangular product per size (4/3·K³); per job that
  whitens, the whitening of the training half (m·k² at the Gram rate); the per-size solves (every
  energy weight from one factorization, ``_solve_flops``) and, in an unscattered sweep, the R of
  both halves; a scattered sweep's blocks share one sweep_halves job for those; memory: four K×K
  factors, the row buffer (16,384 × K), the energy rows (configurations × K) and the whitened rows
  up to 1 GB (beyond that they go to a temporary file: the job's disk).
The rates are those of this machine's cores; a cluster node's are usually higher, so the hours
are an upper bound for the same core count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import computed_levels, level_names, planned_configurations
from ..descriptors.snap import SnapSettings
from ..dft.chunks import n_chunks

BLOCK_ROWS = 65536          # compute_descriptor_file's block
BUFFER_ROWS = 16384         # StreamingR's buffer
MIN_RUNTIME_MIN, MIN_MEM_MB = 10, 1000


@dataclass
class Rates:
    """Measured rates: seconds per atom of the descriptor computation per 2Jmax, and flop/s of
    the streamed R update (one core)."""
    descriptor_s_per_atom: dict[int, float] = field(default_factory=dict)
    r_update_flops: float = 0.0
    gram_flops: float = 0.0      # the whitened Gram fold's m·k² flops per second (one core)

    def lines(self) -> list[str]:
        """The rates as printable lines."""
        out = [f"descriptors 2Jmax {j}: {1e3 * s:.3f} ms per atom"
               for j, s in sorted(self.descriptor_s_per_atom.items())]
        out.append(f"streamed R update: {self.r_update_flops / 1e9:.1f} GFLOP/s per core")
        out.append(f"whitened Gram fold: {self.gram_flops / 1e9:.1f} GFLOP/s per core")
        return out


# Measured on the 2-core development machine, one core, while it also ran DFT (descriptors: a
# rattled 54-atom hcp cell; the R rate: the lower end of the 13–25 GFLOP/s seen there; the Gram
# fold ran at 1.6x the update's rate there, quiet): what the scattered rules' resources assume.
MEASURED_HERE = Rates({2: 0.09e-3, 4: 0.26e-3, 6: 0.99e-3, 8: 2.5e-3, 10: 7.9e-3, 12: 13.2e-3},
                      13e9, 20e9)


def measure_rates(twojmax: list[int], element: str, settings: dict, seconds: float = 1.0) -> Rates:
    """Time the descriptor computation per 2Jmax and the R update on this machine."""
    from ase.build import bulk
    from threadpoolctl import threadpool_limits

    from ..descriptors.snap import SnapCalculator, descriptor_settings
    from .linalg import StreamingR, WhitenedGram, whiten_t

    atoms = bulk("Be", "hcp", a=2.29, c=3.58).repeat((3, 3, 3))
    atoms.rattle(0.05, seed=1)
    atoms.set_chemical_symbols([element] * len(atoms))
    rates = Rates()
    for j in sorted(set(twojmax)):
        with SnapCalculator(descriptor_settings(settings, j), element) as calc:
            calc.compute(atoms)
            start, n = time.perf_counter(), 0
            while n == 0 or time.perf_counter() - start < seconds:
                calc.compute(atoms)
                n += 1
            rates.descriptor_s_per_atom[j] = (time.perf_counter() - start) / n / len(atoms)
    k = min(max(SnapSettings(twojmax=max(twojmax)).n_columns, 200), 1500)
    rng = np.random.default_rng(0)
    block = rng.normal(size=(2 * k, k))
    r = StreamingR(k, buffer_rows=2 * k)
    with threadpool_limits(1):          # a per-core rate, whatever BLAS would use
        r.add(block)
        _ = r.r
        start, rows = time.perf_counter(), 0
        while rows == 0 or time.perf_counter() - start < seconds:
            r.add(block)    # a full buffer: folded as it fills, as in the sweep
            rows += len(block)
        _ = r.r
        rates.r_update_flops = 2.0 * rows * k * k / (time.perf_counter() - start)
        gram = WhitenedGram(r.r)
        whitened = whiten_t(block, r.r)
        start, rows = time.perf_counter(), 0
        while rows == 0 or time.perf_counter() - start < seconds:
            gram.add(whitened)
            rows += len(block)
        rates.gram_flops = 1.0 * rows * k * k / (time.perf_counter() - start)
    return rates


def mean_atoms(structures: dict) -> float:
    """Mean atoms per configuration of the structures source (a file is read once)."""
    if structures["source"] in ("file", "paper_hdf"):
        from ..structures.importers import read_structures_file

        return float(np.mean(read_structures_file(structures)[0].n_atoms))
    parts = structures.get("parts") if structures["source"] == "mixed" else [structures]
    sizes, weights = [], []
    for part in parts:
        merged = {**structures, **part}
        sizes.append((merged.get("n_atoms_min", 8) + merged.get("n_atoms_max", 16)) / 2)
        weights.append(merged.get("n_configs", 1))
    return float(np.average(sizes, weights=weights))


@dataclass
class Problem:
    """The sizes the stages work on."""
    n_configs: int
    atoms: float                 # mean atoms per configuration
    n_train: int
    n_test: int
    levels: int
    max_size: int
    n_sizes: int
    n_weights: int
    samplers: int
    repeats: int
    repeats_per_job: int
    parts: int
    rows_per_config: float
    sizes: tuple[int, ...] = ()   # the training sizes (capped at the training half)
    repeats_at: dict = field(default_factory=dict)   # {size: repeats} below ``repeats``

    def fitted_sizes(self, repeat: int) -> list[int]:
        """The sizes ordering ``repeat`` is fitted at (it grows no further than the largest)."""
        sizes = self.sizes or (self.max_size,)
        return [n for n in sizes if repeat < self.repeats_at.get(n, self.repeats)]

    @classmethod
    def of(cls, config: dict, n_configs: int | None = None, atoms: float | None = None):
        """The sizes of ``config``'s study (counts may be overridden when its files are elsewhere).
        """
        n = planned_configurations(config["structures"]) if n_configs is None else n_configs
        atoms = mean_atoms(config["structures"]) if atoms is None else atoms
        n_test = int(round(n * float(config["split"].get("test_fraction", 0.5))))
        fit = config["fit"]
        stress = 6 if config["descriptors"].get("stress_rows", False) else 0
        repeats = int(fit.get("repeats", 5))
        return cls(n, atoms, n - n_test, n_test, len(level_names(config)),
                   min(max(int(s) for s in fit["training_sizes"]), n - n_test),
                   len(fit["training_sizes"]), len(fit["energy_weights"]), len(fit["samplers"]),
                   repeats, int(fit.get("repeats_per_job") or repeats),
                   int(config["descriptors"].get("parts", 1)), 1 + 3 * atoms + stress,
                   tuple(sorted({min(int(s), n - n_test) for s in fit["training_sizes"]})),
                   {min(int(e["size"]), n - n_test): int(e["repeats"])
                    for e in fit.get("repeats_at_sizes", [])})


def columns(config: dict, twojmax: int) -> int:
    """Descriptor columns of ``twojmax`` under the config's descriptor settings."""
    from ..descriptors.snap import descriptor_settings

    return descriptor_settings(config["descriptors"], twojmax).n_columns


def _r_flops(rows: float, k: int) -> float:
    return 2.0 * rows * k * k


def _solve_flops(k: int, size: int, rows_per_config: int, n_weights: int) -> float:
    """Every energy weight of one training size from one factorization (fit.solve_weights):
    fewer rows than columns, one lstsq of the rows (~6·m²·K); else the inverse of the force R
    (K³/3), E·F⁻¹ and the SVD of its m_E = min(size, K) rows, then 2·K·m_E per weight."""
    m = size * rows_per_config
    if m <= k:
        return 6.0 * m * m * k
    m_e = min(size, k)
    return k ** 3 / 3 + m_e * k * k + 4.0 * m_e * m_e * k + 8.0 * m_e ** 3 \
        + n_weights * 2.0 * k * m_e


WHITENED_IN_MEMORY_BYTES = 1 << 30   # fit.WhitenedRows' default: beyond it, a temporary file


def _whitened_bytes(k: int, p: Problem) -> float:
    return 8.0 * p.n_train * p.rows_per_config * k


def _sweep_memory(k: int, p: Problem) -> float:
    return 8.0 * (4 * k * k + BUFFER_ROWS * k + p.n_configs * k) + 0.5e9 \
        + min(_whitened_bytes(k, p), WHITENED_IN_MEMORY_BYTES) * _whitens(p)


def _whitens(p: Problem) -> bool:
    """fit_sweep's choice: the orderings after the first fold more configurations between them
    than the training half that whitening costs."""
    largest = [max(p.fitted_sizes(r), default=0) for r in range(p.repeats)]
    return sum(largest) * p.samplers - largest[0] > p.n_train


def sweep_job(config: dict, twojmax: int, rates: Rates, p: Problem | None = None) -> dict:
    """Core-seconds, peak memory and scratch disk (bytes) of one sweep job of ``twojmax``: its
    orderings, the whitening of the training half and, in an unscattered sweep, the R factors of
    both halves (a scattered sweep's blocks read them from the one ``sweep_halves_job``)."""
    p = p or Problem.of(config)
    k = columns(config, twojmax) + p.levels
    gram_rate = rates.gram_flops or rates.r_update_flops
    whitens = _whitens(p)

    def ordering_s(fitted: list[int], folded: bool) -> float:
        rows = max(fitted, default=0) * p.rows_per_config
        grow = (_r_flops(rows, k) / rates.r_update_flops if folded else
                rows * k * k / gram_rate + len(fitted) * 4.0 / 3.0 * k ** 3 / rates.r_update_flops)
        return grow + sum(_solve_flops(k, n, int(p.rows_per_config), p.n_weights)
                          for n in fitted) / rates.r_update_flops

    # each ordering grows to its largest fitted size; averaged over the repeats
    per_ordering = np.mean([ordering_s(p.fitted_sizes(r), not whitens) for r in range(p.repeats)])
    blocks = p.samplers * int(np.ceil(p.repeats / p.repeats_per_job))
    # the sweep's first ordering is folded row by row: its extra, spread over the jobs
    first = ordering_s(p.fitted_sizes(0), True) - ordering_s(p.fitted_sizes(0), False) \
        if whitens else 0.0
    whitening = p.n_train * p.rows_per_config * k * k / gram_rate if whitens else 0.0
    halves = 0.0 if p.repeats_per_job < p.repeats else \
        _r_flops((p.n_train + p.n_test) * p.rows_per_config, k) / rates.r_update_flops
    seconds = p.repeats_per_job * per_ordering + first / blocks + whitening + halves
    scratch = _whitened_bytes(k, p) if whitens and \
        _whitened_bytes(k, p) > WHITENED_IN_MEMORY_BYTES else 0.0
    return {"core_s": seconds, "mem_bytes": _sweep_memory(k, p), "disk_bytes": scratch}


def sweep_halves_job(config: dict, twojmax: int, rates: Rates, p: Problem | None = None) -> dict:
    """Core-seconds and peak memory of the R factors of both halves, shared by a scattered
    sweep's blocks."""
    p = p or Problem.of(config)
    k = columns(config, twojmax) + p.levels
    return {"core_s": _r_flops((p.n_train + p.n_test) * p.rows_per_config, k)
            / rates.r_update_flops, "mem_bytes": _sweep_memory(k, p)}


def whole_half_job(config: dict, twojmax: int, rates: Rates, p: Problem | None = None,
                   n_weights: int = 18) -> dict:
    """Core-seconds of the whole-half fits of ``twojmax``: the R of both halves and a solve per
    weight (the paper's 17 and the tables' weights)."""
    p = p or Problem.of(config)
    k = columns(config, twojmax) + p.levels
    seconds = (_r_flops((p.n_train + p.n_test) * p.rows_per_config, k)
               + _solve_flops(k, p.n_train, p.rows_per_config, n_weights)) / rates.r_update_flops
    return {"core_s": seconds, "mem_bytes": sweep_job(config, twojmax, rates, p)["mem_bytes"]}


def descriptor_job(config: dict, twojmax: int, rates: Rates, p: Problem | None = None) -> dict:
    """Core-seconds, peak memory and disk (bytes) of one descriptor part job of ``twojmax``."""
    p = p or Problem.of(config)
    k = columns(config, twojmax)
    configs = p.n_configs / p.parts
    seconds = configs * p.atoms * rates.descriptor_s_per_atom[twojmax]
    rows = configs * p.rows_per_config
    memory = 8.0 * 2 * min(BLOCK_ROWS, rows) * k + 0.3e9
    return {"core_s": seconds, "mem_bytes": memory, "disk_bytes": 8.0 * rows * (k + 2)}


def job_resources(job: dict, threads: int, time_margin: float = 3.0,
                  memory_margin: float = 1.5) -> dict:
    """Snakemake resources from a job's estimate: runtime (minutes, for slower nodes, imperfect
    thread scaling and the model's own error) and mem_mb (the peak is counted, not timed)."""
    minutes = time_margin * job["core_s"] / 60.0 / max(threads, 1)
    return {"runtime": int(max(MIN_RUNTIME_MIN, np.ceil(minutes))),
            "mem_mb": int(max(MIN_MEM_MB, np.ceil(memory_margin * job["mem_bytes"] / 1e6)))}


def estimate(config: dict, rates: Rates, dft_seconds: float | None = None,
             problem: Problem | None = None) -> pd.DataFrame:
    """One row per stage (and 2Jmax): jobs, core-hours, peak memory of one job, disk."""
    p = problem or Problem.of(config)
    rows = []
    chunk = int(config["dft"].get("chunk_size", 10))
    for level in config["dft"]["levels"]:
        if str(level["name"]) not in computed_levels(config):
            continue
        s = level.get("seconds_per_config", dft_seconds)
        rows.append({"stage": f"label_chunk level {level['name']}", "jobs": n_chunks(p.n_configs, chunk),
                     "hours": np.nan if s is None else s * p.n_configs / 3600.0,
                     "unit": "GPU" if config["dft"].get("code") == "vasp" else "core",
                     "peak_memory_GB": np.nan, "disk_GB": np.nan,
                     "basis": "configured s/configuration" if "seconds_per_config" in level
                     else ("--dft-seconds" if dft_seconds else "no seconds_per_config")})
    for j in [int(t) for t in config["descriptors"]["twojmax"]]:
        k = columns(config, j) + p.levels
        d = descriptor_job(config, j, rates, p)
        rows.append({"stage": f"descriptors 2Jmax {j}", "jobs": p.parts,
                     "hours": p.parts * d["core_s"] / 3600, "unit": "core",
                     "peak_memory_GB": d["mem_bytes"] / 1e9, "disk_GB": p.parts * d["disk_bytes"] / 1e9,
                     "basis": f"{p.n_configs * p.atoms:.3g} atoms × "
                              f"{1e3 * rates.descriptor_s_per_atom[j]:.3g} ms"})
        half = _r_flops(p.n_train * p.rows_per_config, k) / rates.r_update_flops
        rows.append({"stage": f"leverage 2Jmax {j}", "jobs": 1, "hours": half / 3600,
                     "unit": "core", "peak_memory_GB": 8.0 * (2 * k * k + BUFFER_ROWS * k
                                                              + p.n_configs * k) / 1e9 + 0.5,
                     "disk_GB": 0.0, "basis": f"R of the training half, K = {k}"})
        s = sweep_job(config, j, rates, p)
        blocks = p.samplers * int(np.ceil(p.repeats / p.repeats_per_job))
        if p.repeats_per_job < p.repeats:
            h = sweep_halves_job(config, j, rates, p)
            rows.append({"stage": f"sweep_halves 2Jmax {j}", "jobs": 1,
                         "hours": h["core_s"] / 3600, "unit": "core",
                         "peak_memory_GB": h["mem_bytes"] / 1e9, "disk_GB": 0.0,
                         "basis": "R of both halves, shared by the sweep's blocks"})
        rows.append({"stage": f"fit_sweep 2Jmax {j}", "jobs": blocks,
                     "hours": blocks * s["core_s"] / 3600, "unit": "core",
                     "peak_memory_GB": s["mem_bytes"] / 1e9, "disk_GB": 0.0,
                     "basis": f"{p.samplers * p.repeats} orderings of {p.max_size} configurations"
                              + (f"; {s['disk_bytes'] / 1e9:.0f} GB of whitened rows in each "
                                 "job's TMPDIR" if s["disk_bytes"] else "")})
        whole = whole_half_job(config, j, rates, p)["core_s"]
        rows.append({"stage": f"whole_half 2Jmax {j}", "jobs": 1, "hours": whole / 3600,
                     "unit": "core", "peak_memory_GB": s["mem_bytes"] / 1e9, "disk_GB": 0.0,
                     "basis": "R of both halves, 18 weights"})
    return pd.DataFrame(rows)
