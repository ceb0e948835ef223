"""Fitted models as LAMMPS potentials: exactness check and MD speed (Table 2)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_masses, atomic_numbers

from ..descriptors.snap import SnapSettings, snapcoeff_text, snapparam_text
from ..io.lammps import create_periodic_box, new_lammps
from ..io.storage import write_text
from ..structures.configurations import CRYSTALS


def write_potential(folder: Path, stem: str, element: str, settings: SnapSettings,
                    coefs: np.ndarray) -> tuple[Path, Path]:
    """Write ``coefs`` as ``folder/stem.snapcoeff`` and ``.snapparam`` for ``pair_style snap``."""
    coeff, param = folder / f"{stem}.snapcoeff", folder / f"{stem}.snapparam"
    write_text(coeff, snapcoeff_text(element, settings, coefs))
    write_text(param, snapparam_text(settings))
    return coeff, param


def _mass(element: str) -> float:
    return float(atomic_masses[atomic_numbers[element]])


def pair_snap_energy_forces(atoms: Atoms, coeff: Path, param: Path, element: str
                            ) -> tuple[float, np.ndarray]:
    """Energy (eV) and forces (eV/Å, in the atoms' own frame) from LAMMPS pair_style snap."""
    lmp = new_lammps()
    try:
        rotation, _ = create_periodic_box(lmp, atoms, _mass(element))
        lmp.command("pair_style snap")
        lmp.command(f"pair_coeff * * {coeff} {param} {element}")
        lmp.command("run 0")
        energy = float(lmp.get_thermo("pe"))
        forces = np.array(lmp.numpy.extract_atom("f")[: len(atoms)], copy=True) @ rotation.T
    finally:
        lmp.close()
    return energy, forces


def pair_snap_mismatch(structures, data, rotation: np.ndarray, configs, coefs: np.ndarray,
                       coeff: Path, param: Path, element: str) -> tuple[float, float]:
    """Largest |energy| (eV/atom) and |force component| (eV/Å) difference between LAMMPS's
    ``pair_style snap`` with the written files and the fitted linear model, over ``configs``
    (indices into ``data``; ``rotation`` takes LAMMPS-frame forces back to the atoms' frame)."""
    worst_e, worst_f = 0.0, 0.0
    for c in configs:
        i = int(data.config_index[c])
        atoms = structures.atoms(i)
        e_model = len(atoms) * (data.energy_a[c] @ coefs)
        f_model = (data.force_a[c] @ coefs).reshape(-1, 3) @ rotation[i].T
        e_lmp, f_lmp = pair_snap_energy_forces(atoms, coeff, param, element)
        worst_e = max(worst_e, abs(e_lmp - e_model) / len(atoms))
        worst_f = max(worst_f, float(np.abs(f_lmp - f_model).max()))
    return worst_e, worst_f


def bulk_supercell(element: str, n_atoms_min: int, crystal: dict | None = None) -> Atoms:
    """The MD benchmark's cell: the element's first crystal of the structures table (Be: hcp),
    orthorhombic, repeated equally along each axis to at least ``n_atoms_min`` atoms."""
    if crystal is None:
        name, params = next(iter(CRYSTALS[element].items()))
        crystal = {"crystalstructure": name, **params}
    unit = bulk(element, **crystal, orthorhombic=True)
    reps = int(np.ceil((n_atoms_min / len(unit)) ** (1 / 3)))
    atoms = unit.repeat((reps, reps, reps))
    while len(atoms) < n_atoms_min:
        reps += 1
        atoms = unit.repeat((reps, reps, reps))
    return atoms


def md_speed(coeff: Path, param: Path, element: str, n_atoms_min: int = 2000, steps: int = 100,
             crystal: dict | None = None) -> dict:
    """NVE MD of a bulk supercell with pair_style snap: atoms·timestep/s (one process)."""
    mass = _mass(element)
    atoms = bulk_supercell(element, n_atoms_min, crystal)
    try:
        elapsed, mode = _timed_run(atoms, coeff, param, element, mass, steps, nve=True), "nve"
    except Exception as err:  # an unstable model loses atoms: time its force evaluations instead
        if "Lost atoms" not in str(err) and "Out of range atoms" not in str(err):
            raise
        elapsed = _timed_run(atoms, coeff, param, element, mass, steps, nve=False)
        mode = "static (NVE lost atoms with this model)"
    return {"n_atoms": len(atoms), "steps": steps, "seconds": elapsed, "md_mode": mode,
            "atom_timesteps_per_s": len(atoms) * steps / elapsed}


def _timed_run(atoms, coeff, param, element, mass, steps, nve: bool) -> float:
    """Wall time of ``steps`` velocity-Verlet steps (pair forces every step); without NVE the
    atoms stay put, so only force evaluations are timed."""
    lmp = new_lammps()
    try:
        create_periodic_box(lmp, atoms, mass)
        for cmd in ("pair_style snap", f"pair_coeff * * {coeff} {param} {element}",
                    "timestep 0.0005", "thermo 0"):
            lmp.command(cmd)
        if nve:
            lmp.command("velocity all create 300.0 4928459 loop geom")
            lmp.command("fix nve all nve")
        lmp.command("run 5")
        start = time.perf_counter()
        lmp.command(f"run {steps}")
        return time.perf_counter() - start
    finally:
        lmp.close()
