"""The descriptors stage: qSNAP descriptors from LAMMPS.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

from pathlib import Path


from ..structures.configurations import read_structures, valid_mask
from .snap import compute_descriptor_file, compute_descriptor_part, descriptor_settings


def run_descriptors(structures_path: Path, element: str, descriptors: dict, twojmax: int,
                    out: Path, workers: int = 1, log=print,
                    part: tuple[int, int] | None = None) -> None:
    """The descriptor file of one 2Jmax, or part ``part[0]`` of ``part[1]`` of it."""
    settings = descriptor_settings(descriptors, twojmax)
    valid = valid_mask(structures_path)
    skip = None if valid is None else ~valid
    structures = read_structures(structures_path)
    stage_settings = {"element": element, **settings.as_dict()}
    if part is None:
        compute_descriptor_file(structures, settings, element, out, stage_settings,
                                workers=workers, log=log, skip=skip)
    else:
        compute_descriptor_part(structures, settings, element, out, stage_settings, *part,
                                workers=workers, log=log, skip=skip)
