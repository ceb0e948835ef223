"""The stages that run DFT (label_chunk, reference_check): what the dft-<code> environments
import, so nothing here pulls in LAMMPS, matplotlib or Snakemake."""

from __future__ import annotations

from pathlib import Path

from ..labels import STATUS_OK, read_labels
from ..storage import file_hash
from ..structures import read_structures, valid_mask
from ..tables import check_sample, convergence_table, write_table
from .chunks import chunk_bounds, label_chunk, write_chunk
from .ladder import Level
from .store import OfflineBackend, labels_from_store, make_backend, record_folder


def run_label_chunk(structures_path: Path, dft: dict, level_name: str, chunk: int,
                    out: Path, log=print) -> None:
    """Label configurations of one chunk at one level (``dft.chunk_size`` per chunk) and write
    the chunk file ``out``; every configuration's result is in the record store as soon as it is
    known, so a killed job resumes there. ``dft`` is the labelling part of the config.
    """
    structures = read_structures(structures_path)
    valid = valid_mask(structures_path)
    entry = next(lvl for lvl in dft["levels"] if str(lvl["name"]) == str(level_name))
    level = Level.from_config(entry, dft.get("smearing", {}))
    backend = make_backend(dft)
    lo, hi = chunk_bounds(len(structures), dft.get("chunk_size", 10), chunk)
    # Records are keyed on the configuration and these settings only: an analysis-only edit (the
    # split, the set's order) reuses every DFT result.
    records_dir, settings = record_folder(dft, out.parent.parent, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    records = label_chunk(structures, lo, hi, level, backend, records_dir,
                          dft.get("kmesh_rounding", "ceil"), dft.get("max_attempts", 1), log=log,
                          skip=None if valid is None else ~valid,
                          timeout_s=dft.get("config_timeout_s"),
                          work_dir=out.parent / f"{out.stem}.work")
    write_chunk(out, records, level, {**settings, "structures_hash": file_hash(structures_path)})
    total = sum(float(r["wall_time_s"]) for r in records)
    n_ok = sum(str(r["status"]) == STATUS_OK for r in records)
    log(f"level {level.name} chunk {chunk}: {n_ok}/{len(records)} ok, DFT wall time {total:.1f} s "
        f"(records in {records_dir})")


def run_reference_check(structures_path: Path, dft: dict, label_paths: list[Path],
                        reference: str, out: Path, log=print) -> None:
    """Label a sample of configurations at ``dft.convergence_check``'s tighter setting (records
    in the store, so a rerun costs nothing) and tabulate how converged the reference level is."""
    check = dft["convergence_check"]
    structures = read_structures(structures_path)
    labels = [read_labels(p) for p in label_paths]
    ref_entry = next(lvl for lvl in dft["levels"] if str(lvl["name"]) == str(reference))
    level = Level.from_config({"name": "tighter", "cutoff_eV": check["cutoff_eV"],
                               "kspacing_per_A": check["kspacing_per_A"]},
                              dft.get("smearing", {}))
    backend = make_backend(dft)
    dft_dir = out.parent.parent / "dft"
    records_dir, _ = record_folder(dft, dft_dir, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    sample = check_sample(structures, int(check.get("n_configs", 10)))
    tighter = labels_from_store(structures, sample, level, backend, records_dir,
                                dft.get("kmesh_rounding", "ceil"), log=log,
                                timeout_s=dft.get("config_timeout_s"),
                                work_dir=dft_dir / "check.work")
    table = convergence_table(labels, tighter, sample, str(reference))
    table.insert(0, "tighter_setting", f"{check['cutoff_eV']:g} eV, {check['kspacing_per_A']:g} Å⁻¹")
    table.insert(1, "reference_setting",
                 f"{ref_entry['cutoff_eV']:g} eV, {ref_entry['kspacing_per_A']:g} Å⁻¹")
    write_table(table, out.with_suffix(""))
    log(table.to_string(index=False))
