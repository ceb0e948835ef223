"""The DFT stage's glue: collect a level's chunks, or import a level's labels.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.storage import file_hash, open_h5
from ..structures.configurations import read_structures
from ..structures.importers import import_labels
from .chunks import collect_level
from .labels import STATUS_OK, read_labels, write_extxyz, write_level_file


def run_collect_level(structures_path: Path, chunk_paths: list[Path], max_failed_fraction: float,
                      out_h5: Path, out_xyz: Path, log=print) -> None:
    """Merge a level's chunk files into its label file (HDF5 ``out_h5`` and extxyz
    ``out_xyz``); stops when more than ``max_failed_fraction`` of the configurations failed.
    """
    structures = read_structures(structures_path)
    failed = collect_level(chunk_paths, structures, out_h5, max_failed_fraction,
                           file_hash(structures_path))
    for message in failed:
        log(f"excluded from the analysis: {message}")
    write_extxyz(out_xyz, structures, read_labels(out_h5))


def run_import_level(structures_path: Path, level_entry: dict, out_h5: Path, out_xyz: Path,
                     max_failed_fraction: float, log=print) -> None:
    """A level whose labels come from a file (``labels_from``) instead of a DFT run."""
    structures = read_structures(structures_path)
    with open_h5(structures_path, "structures") as h5:
        ids = h5["source_id"][()]
        scale = float(h5.attrs.get("rescale_factor", 1.0))
    spec = level_entry["labels_from"]
    level = str(level_entry["name"])
    data = import_labels(structures, ids, spec, level, scale)
    # the bulk reference the workflow added has no label in a file that does not hold it
    missing = [f"configuration {i} (id {ids[i]}): {data['reason'][i]}"
               for i in np.flatnonzero((data["status"] != STATUS_OK)
                                       & ~structures.is_bulk_reference)]
    if len(missing) / max(len(structures), 1) > max_failed_fraction:
        raise RuntimeError(f"level {level}: {len(missing)} of {len(structures)} configurations "
                           f"have no label in {spec['path']} (> dft.max_failed_fraction):\n  "
                           + "\n  ".join(missing[:20]))
    for message in missing:
        log(f"excluded from the analysis: {message}")
    settings = {"code": "imported", "labels_from": str(spec["path"]),
                "format": spec.get("format", "extxyz"),
                **{k: v for k, v in level_entry.items() if k != "labels_from"}}
    write_level_file(out_h5, structures, settings=settings, level=level,
                     structures_hash=file_hash(structures_path),
                     energy=data["energy_eV"], forces=data["forces_eV_per_A"],
                     stress=data["stress_eV_per_A3"], wall_time_s=data["wall_time_s"],
                     cpu_time_s=data["cpu_time_s"],
                     status=data["status"], reasons=data["reason"],
                     labels_file_hash=file_hash(spec["path"]))
    write_extxyz(out_xyz, structures, read_labels(out_h5))
    imported = int(np.sum((data["status"] == STATUS_OK) & ~structures.is_bulk_reference))
    log(f"level {level}: {imported} labels imported from {spec['path']}"
        + (" (not counting the bulk reference mlipcost added)"
           if structures.is_bulk_reference.any() else ""))
