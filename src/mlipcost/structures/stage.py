"""The structures stage: generate, import or rescale configurations, split them, write
structures.h5.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dft.labels import read_labels
from .configurations import (BULK_REFERENCE, Structures, bulk_reference, check_structures,
                             generate_crystals, read_structures, read_structures_metadata,
                             split_train_test, write_structures)
from .generator import generate_diverse
from .importers import read_structures_file, rescale_factor


def load_structures(element: str, settings: dict):
    """(structures, source ids) from the configured source."""
    if settings["source"] == "mixed":
        parts = [load_structures(element, {**settings, **part}) for part in settings["parts"]]
        merged = Structures.concatenate([p[0] for p in parts])
        return merged, np.arange(len(merged))
    if settings["source"] == "crystals":
        structures = generate_crystals(
            element, settings["n_configs"], settings.get("n_atoms_min", 2),
            settings.get("n_atoms_max", 16), settings["seed"],
            rattle_A=tuple(settings.get("rattle_A", (0.02, 0.15))),
            surface_fraction=settings.get("surface_fraction", 0.0))
        return structures, np.arange(len(structures))
    if settings["source"] == "generate":
        gen = settings.get("generate", {})
        structures = generate_diverse(
            element, settings["n_configs"], settings.get("n_atoms_min", 2),
            settings.get("n_atoms_max", 16), settings["seed"],
            tuple(gen.get("volume_per_atom_A3", (6.0, 12.0))), gen.get("min_distance_A", 1.6),
            oversample=gen.get("oversample", 5), twojmax=gen.get("twojmax", 6))
        return structures, np.arange(len(structures))

    structures, ids = read_structures_file(settings)
    expected = settings.get("n_configs")
    if expected is not None and expected != len(structures):
        raise ValueError(f"structures.n_configs is {expected} but {settings['path']} holds "
                         f"{len(structures)} configurations; correct or remove n_configs")
    return structures, ids


def make_configurations(element: str, settings: dict, out: Path, log=print) -> None:
    """The configurations to label: the source's, checked, and the bulk reference; no split (a
    split edit must not touch what the DFT jobs read)."""
    structures, ids = load_structures(element, settings)
    keep, rejected = check_structures(
        structures, element, settings.get("min_distance_A", 1.0),
        settings.get("max_rejected_fraction", 0.05),
        tuple(settings.get("volume_per_atom_A3", (2.0, 100.0))))
    for message in rejected:
        log(f"rejected {message}")
    if settings.get("bulk_reference", True) and BULK_REFERENCE not in structures.kinds:
        ideal = bulk_reference(element, int(np.median(structures.n_atoms)))
        structures = Structures.concatenate(
            [structures, Structures.from_atoms([ideal], [BULK_REFERENCE])])
        ids = np.append(ids, -1)
        keep = np.append(keep, True)
        log(f"appended the bulk reference ({ideal.get_chemical_formula()}, "
            f"{len(ideal)} atoms) as configuration {len(structures) - 1}")
    structures.is_train = np.zeros(len(structures), dtype=bool)

    write_structures(out, structures, {"element": element, **settings},
                     rejected=rejected, source_ids=ids, valid=keep,
                     rescale_factor=rescale_factor(settings.get("rescale")))
    log(f"{len(structures)} configurations, {structures.n_atoms.sum()} atoms, "
        f"{(~keep).sum()} rejected")


def split_configurations(configurations_path: Path, split: dict | None, out: Path,
                         log=print, reference_labels: Path | None = None) -> None:
    """structures.h5: the configurations with their train/test split. The split is drawn over
    the source's configurations alone, so that the bulk reference (labelled, never fitted or
    tested) leaves it unchanged, whether added by the workflow or carried by the file. With
    ``split.over: reference_labelled`` it is drawn, as the paper's code does (its
    ``load_files`` keeps the structures of ``Be_prec_6.h5``), over the configurations labelled
    at the reference level (``reference_labels``, its label file) only. ``split`` None keeps the
    split the configurations carry (a pilot's, drawn on its pool)."""
    structures = read_structures(configurations_path)
    meta = read_structures_metadata(configurations_path)
    if split is not None:
        data = ~structures.is_bulk_reference
        if split.get("over", "all") == "reference_labelled":
            if reference_labels is None:
                raise ValueError("split.over: reference_labelled needs the reference level's "
                                 "label file")
            data &= read_labels(reference_labels).ok
        is_train = np.zeros(len(structures), dtype=bool)
        is_train[data] = split_train_test(int(data.sum()), split.get("test_fraction", 0.5),
                                          split.get("seed", 58), split.get("method", "numpy"))
        structures.is_train = is_train
    write_structures(out, structures, {**meta["settings"], "split": split},
                     rejected=meta["rejected"], source_ids=meta["source_id"], valid=meta["valid"],
                     rescale_factor=meta["rescale_factor"])
    log(f"{len(structures)} configurations, {int(structures.is_train.sum())} train"
        + ("" if split is not None else " (the pilot's split, drawn on its pool)")
        + (f", drawn over the {int(data.sum())} labelled at the reference level"
           if split is not None and split.get("over", "all") == "reference_labelled" else ""))


def make_structures(element: str, settings: dict, split: dict, out: Path, log=print) -> None:
    """Configurations and split in one file (the pool of a pilot; tests)."""
    configurations = out.with_name(f".{out.stem}.configurations.h5")
    try:
        make_configurations(element, settings, configurations, log=log)
        split_configurations(configurations, split, out, log=log)
    finally:
        configurations.unlink(missing_ok=True)
