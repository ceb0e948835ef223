"""The label file of one level: energies, forces, stresses and the DFT cost of every
configuration, with each failure's reason (HDF5, units in every dataset's name and attribute),
and its reader, as the analysis uses them. ``mlipcost.dft.chunks`` writes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.storage import (atomic_h5, atomic_path, open_h5, read_strings, write_provenance,
                          write_strings)
from ..structures.configurations import Structures, read_structures, valid_mask

STATUS_OK = "ok"


STATUS_FAILED = "failed"


STATUS_REJECTED = "rejected"


# a configuration this file does not label (a plan bought only some): not a failure
STATUS_NOT_REQUESTED = "not_requested"


class NonFiniteLabel(ValueError):
    """A calculation that returned NaN or infinite energies or forces: a failure, never a label."""


def check_finite(energy, forces) -> None:
    """Raise NonFiniteLabel when an energy or a force is NaN or infinite."""
    bad = [name for name, value in (("energy", energy), ("forces", forces))
           if not np.all(np.isfinite(value))]
    if bad:
        raise NonFiniteLabel(f"non-finite {' and '.join(bad)} returned")


@dataclass
class Labels:
    """The labels of one level, ragged by configuration like the structures."""

    energy: np.ndarray           # (n,) eV, free energy (consistent with the forces)
    forces: np.ndarray           # (n_atoms_total, 3) eV/Å
    stress: np.ndarray           # (n, 6) eV/Å³, Voigt xx yy zz yz xz xy, ASE sign
    wall_time_s: np.ndarray      # (n,)
    ok: np.ndarray               # (n,) bool
    reasons: list[str]
    offsets: np.ndarray
    level: str
    settings: dict
    cpu_time_s: np.ndarray | None = None   # (n,) CPU time of the DFT process, NaN: not measured
    # the level's labelling jobs, as they measured themselves: their total wall time (s) and the
    # DFT wall time (s) of the calculations they ran (records reused from the store excluded);
    # NaN for imported labels
    jobs_wall_time_s: float = float("nan")
    jobs_dft_wall_time_s: float = float("nan")

    @property
    def n_atoms(self) -> np.ndarray:
        """Atoms of each configuration."""
        return np.diff(self.offsets)

    @property
    def energy_per_atom(self) -> np.ndarray:
        """Energies per atom (eV/atom)."""
        return self.energy / self.n_atoms

    def config_forces(self, i: int) -> np.ndarray:
        """Forces (eV/Å) of configuration ``i``."""
        return self.forces[self.offsets[i]:self.offsets[i + 1]]


def write_level_file(out: Path, structures: Structures, *, settings: dict, level: str,
                     structures_hash: str, energy, forces, stress, wall_time_s, status, reasons,
                     energy_sigma0=None, scf_iterations=None, kmesh=None, cpu_time_s=None,
                     **attrs) -> None:
    """The per-level label file (ragged by configuration), for computed and imported labels."""
    n = len(structures)
    nan = np.full(n, np.nan)
    with atomic_h5(out) as h5:
        def put(name, data, unit):
            h5.create_dataset(name, data=data).attrs["unit"] = unit
        put("energy_eV", energy, "eV (free energy, total)")
        put("energy_sigma0_eV", nan if energy_sigma0 is None else energy_sigma0, "eV (sigma -> 0)")
        put("forces_eV_per_A", forces, "eV/Å")
        put("stress_eV_per_A3", stress,
            "eV/Å³, Voigt xx yy zz yz xz xy, ASE sign (positive = tensile)")
        put("wall_time_s", wall_time_s, "s (NaN: not measured)")
        put("cpu_time_s", nan if cpu_time_s is None else cpu_time_s,
            "s, CPU time of the DFT process (NaN: not measured)")
        put("scf_iterations", nan if scf_iterations is None else scf_iterations, "1")
        put("kmesh", np.zeros((n, 3), int) if kmesh is None else kmesh, "Γ-centred divisions")
        h5.create_dataset("offsets", data=structures.offsets)
        write_strings(h5, "status", status)
        write_strings(h5, "reason", reasons)
        write_provenance(h5, "labels", settings, level=level, structures_hash=structures_hash,
                         energy_used_by_fits="energy_eV", **attrs)


def read_labels(path: Path) -> Labels:
    """A level's label file, checked against its checksums."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"label file not found: {path} (run the 'collect_level' rule)")
    with open_h5(path, "collect_level (import_level for an imported level)") as h5:
        status = read_strings(h5, "status")
        return Labels(
            energy=h5["energy_eV"][()], forces=h5["forces_eV_per_A"][()],
            stress=h5["stress_eV_per_A3"][()], wall_time_s=h5["wall_time_s"][()],
            ok=np.array([s == STATUS_OK for s in status]), reasons=read_strings(h5, "reason"),
            offsets=h5["offsets"][()], level=str(h5.attrs["level"]),
            settings=json.loads(h5.attrs["settings_json"]),
            cpu_time_s=h5["cpu_time_s"][()] if "cpu_time_s" in h5 else None,
            jobs_wall_time_s=float(h5.attrs.get("labelling_jobs_wall_time_s", np.nan)),
            jobs_dft_wall_time_s=float(h5.attrs.get("labelling_jobs_dft_wall_time_s", np.nan)),
        )


def read_statuses(path: Path) -> list[str]:
    """Each configuration's status in a level's label file (ok, failed, not_requested, ...)."""
    with open_h5(Path(path), "collect_level (import_level for an imported level)") as h5:
        return read_strings(h5, "status")


def write_extxyz(path: Path, structures: Structures, labels: Labels) -> None:
    """Export one level's successful configurations as extended XYZ, readable by ASE."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write

    frames = []
    for i in np.flatnonzero(labels.ok):
        atoms = structures.atoms(int(i))
        atoms.calc = SinglePointCalculator(atoms, energy=float(labels.energy[i]),
                                           forces=labels.config_forces(int(i)),
                                           stress=labels.stress[i])
        atoms.info.update(config_index=int(i), kind=structures.kinds[int(i)], level=labels.level,
                          wall_time_s=float(labels.wall_time_s[i]))
        if labels.cpu_time_s is not None and np.isfinite(labels.cpu_time_s[i]):
            atoms.info["cpu_time_s"] = float(labels.cpu_time_s[i])
        frames.append(atoms)
    with atomic_path(path, suffix=".xyz.tmp") as tmp:
        write(tmp, frames, format="extxyz")


def analysis_set(structures_path: Path, label_paths: list[Path]):
    """Structures, labels, and the configurations every model family trains and is tested on:
    labelled successfully at every level, passed the structure checks, not the bulk reference."""
    structures = read_structures(structures_path)
    labels = [read_labels(p) for p in label_paths]
    use = np.all([lab.ok for lab in labels], axis=0) & ~structures.is_bulk_reference
    valid = valid_mask(structures_path)
    if valid is not None:
        use &= valid
    return structures, labels, use
