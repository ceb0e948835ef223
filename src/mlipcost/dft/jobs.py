"""The stages that run DFT (label_chunk, reference_check): what the dft-<code> environments
import, so nothing here pulls in LAMMPS, matplotlib or Snakemake."""

from __future__ import annotations

import time
from pathlib import Path

from ..labels import STATUS_OK, read_labels
from ..storage import file_hash
from ..structures import read_structures, valid_mask
from ..tables import check_sample, convergence_table, write_table
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
