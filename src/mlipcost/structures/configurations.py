"""Atomic configurations: the demo's crystal generator, checks, the train/test split, HDF5 I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers, chemical_symbols

from ..io.storage import (atomic_h5, offsets_from_counts, open_h5, read_strings, write_provenance,
                          write_strings)

__all__ = [
    "CRYSTALS", "BULK_REFERENCE", "StructureError", "Structures", "SURFACES", "SURFACE_VACUUM_A",
    "generate_crystals", "bulk_reference", "shortest_period_A", "check_structures", "subset",
    "split_train_count", "split_train_test", "write_structures", "read_structures_metadata",
    "read_structures", "valid_mask",
]

# Lattice parameters (Å) of the three crystal structures the demo generator perturbs. Be's ground
# state is hcp; bcc and fcc at the same volume per atom give the set distinct local environments.
CRYSTALS = {
    "Be": {"hcp": {"a": 2.29, "c": 3.58}, "bcc": {"a": 2.55}, "fcc": {"a": 3.17}},
}


# The kind of the ideal ground-state crystal the workflow adds to every set: labelled at every
# level for the bulk-shifted DFT RMSD of Table 3, never fitted or tested.
BULK_REFERENCE = "bulk_reference"


class StructureError(ValueError):
    """A configuration that cannot be used, named by its index and the reason."""


@dataclass
class Structures:
    """A set of configurations, ragged by configuration (``offsets`` has length n + 1)."""

    numbers: np.ndarray          # (n_atoms_total,)
    positions: np.ndarray        # (n_atoms_total, 3) Å
    cells: np.ndarray            # (n, 3, 3) Å, rows are lattice vectors
    pbc: np.ndarray              # (n, 3) bool
    offsets: np.ndarray          # (n + 1,)
    kinds: list[str]             # how each configuration was made, e.g. "hcp/rattle"
    is_train: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (n,)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_atoms(self) -> np.ndarray:
        """Atoms of each configuration."""
        return np.diff(self.offsets)

    def atoms(self, i: int) -> Atoms:
        """Configuration ``i`` as an ASE ``Atoms`` (periodic as stored)."""
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return Atoms(numbers=self.numbers[lo:hi], positions=self.positions[lo:hi],
                     cell=self.cells[i], pbc=self.pbc[i])

    def __iter__(self):
        return (self.atoms(i) for i in range(len(self)))

    @property
    def is_bulk_reference(self) -> np.ndarray:
        """Which configuration is the ideal crystal added for Table 3 (never fitted)."""
        return np.array([kind == BULK_REFERENCE for kind in self.kinds], dtype=bool)

    @classmethod
    def concatenate(cls, parts: list["Structures"]) -> "Structures":
        """One set from several, in order (the split is not carried over)."""
        return cls.from_atoms([a for part in parts for a in part],
                              [k for part in parts for k in part.kinds])

    @classmethod
    def from_atoms(cls, atoms_list: list[Atoms], kinds: list[str] | None = None) -> "Structures":
        """Structures from ASE ``Atoms``, with each configuration's kind."""
        counts = np.array([len(a) for a in atoms_list])
        return cls(
            numbers=np.concatenate([a.numbers for a in atoms_list]).astype(np.int32),
            positions=np.concatenate([a.positions for a in atoms_list]).astype(float),
            cells=np.array([a.cell.array for a in atoms_list], dtype=float),
            pbc=np.array([a.pbc for a in atoms_list], dtype=bool),
            offsets=offsets_from_counts(counts),
            kinds=list(kinds) if kinds is not None else ["imported"] * len(atoms_list),
            is_train=np.zeros(len(atoms_list), dtype=bool),
        )


# Close-packed surface of each crystal structure, and the slab's vacuum (Å, both sides together).
SURFACES = {"hcp": "hcp0001", "bcc": "bcc110", "fcc": "fcc111"}
SURFACE_VACUUM_A = 8.0


def generate_crystals(element: str, n_configs: int, n_atoms_min: int, n_atoms_max: int,
                      seed: int, rattle_A: tuple[float, float] = (0.02, 0.15),
                      strain: float = 0.05, vacancy_fraction: float = 0.25,
                      surface_fraction: float = 0.0) -> Structures:
    """Rattled, strained and defected hcp/bcc/fcc supercells and surface slabs of one element.

    Configuration 0 is the ideal hcp (the first structure listed) in its smallest supercell within
    the size range. The rest cycle through the crystal structures, pick a supercell whose size
    lies in [n_atoms_min, n_atoms_max], apply a random symmetric strain, optionally remove one
    atom, and rattle the positions. A ``surface_fraction`` of them are instead slabs of the
    structure's close-packed surface (hcp(0001), bcc(110), fcc(111); 2×2 in plane, as many
    layers as fit the size range) with SURFACE_VACUUM_A of vacuum, strained in plane and rattled.
    """
    if element not in CRYSTALS:
        raise StructureError(
            f"structures.element: no crystal parameters for {element!r}; known: {sorted(CRYSTALS)}")
    if not 1 <= n_atoms_min <= n_atoms_max:
        raise StructureError("structures: need 1 <= n_atoms_min <= n_atoms_max")
    rng = np.random.default_rng(seed)
    lattices = CRYSTALS[element]
    names = list(lattices)
    primitive = {name: bulk(element, name, **params) for name, params in lattices.items()}
    supercells = {name: _supercells(prim, n_atoms_min, n_atoms_max)
                  for name, prim in primitive.items()}

    atoms_list, kinds = [], []
    if not supercells[names[0]]:
        raise StructureError(f"structures: no {names[0]} supercell has between {n_atoms_min} and "
                             f"{n_atoms_max} atoms; widen structures.n_atoms_min/max")
    ideal = primitive[names[0]].repeat(min(supercells[names[0]], key=np.prod))
    atoms_list.append(ideal)
    kinds.append(f"{names[0]}/ideal")
    while len(atoms_list) < n_configs:
        name = names[(len(atoms_list) - 1) % len(names)]
        if surface_fraction and rng.random() < surface_fraction:
            slab = _surface_slab(element, name, lattices[name], n_atoms_min, n_atoms_max, rng)
            if slab is not None:
                slab.rattle(stdev=float(rng.uniform(*rattle_A)), seed=int(rng.integers(2**31)))
                slab.wrap()
                atoms_list.append(slab)
                kinds.append(f"{name}/{SURFACES[name]}/surface/rattle")
                continue
        options = supercells[name]
        if not options:
            raise StructureError(
                f"structures: no {name} supercell has between {n_atoms_min} and {n_atoms_max} "
                "atoms (one vacancy allowed); widen structures.n_atoms_min/max")
        atoms = primitive[name].repeat(options[rng.integers(len(options))])
        eps = rng.uniform(-strain, strain, size=(3, 3))
        eps = 0.5 * (eps + eps.T)
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
        kind = [name, "strain"]
        if len(atoms) > max(n_atoms_min, 2) and (len(atoms) > n_atoms_max
                                                  or rng.random() < vacancy_fraction):
            del atoms[int(rng.integers(len(atoms)))]
            kind.append("vacancy")
        atoms.rattle(stdev=float(rng.uniform(*rattle_A)), seed=int(rng.integers(2**31)))
        atoms.wrap()
        kind.append("rattle")
        atoms_list.append(atoms)
        kinds.append("/".join(kind))
    return Structures.from_atoms(atoms_list, kinds)


def _surface_slab(element: str, name: str, params: dict, n_min: int, n_max: int,
                  rng: np.random.Generator) -> Atoms | None:
    """A 2×2 slab of the close-packed surface with 2+ layers in [n_min, n_max] atoms, strained
    in plane by up to 3 %; None when no layer count fits."""
    from ase import build

    layers = [n for n in range(2, 9) if n_min <= 4 * n <= n_max]
    if not layers:
        return None
    make = getattr(build, SURFACES[name])
    slab = make(element, size=(2, 2, int(rng.choice(layers))), vacuum=SURFACE_VACUUM_A / 2,
                orthogonal=False, **params)
    eps = rng.uniform(-0.03, 0.03, size=(2, 2))
    eps = 0.5 * (eps + eps.T)
    deform = np.eye(3)
    deform[:2, :2] += eps
    slab.set_cell(slab.cell.array @ deform, scale_atoms=True)
    slab.pbc = True  # plane-wave DFT and the descriptors treat the vacuum as periodic
    return slab


def bulk_reference(element: str, n_atoms: int = 1) -> Atoms:
    """The ideal ground-state crystal (Table 3's bulk shift) in the compact supercell whose atom
    count is closest to ``n_atoms``: the size of the set's configurations, so that a Γ-only
    level samples it as it samples them."""
    if element in CRYSTALS:
        name, params = next(iter(CRYSTALS[element].items()))
        prim = bulk(element, name, **params)
    else:
        prim = bulk(element)  # ASE's reference state of the element
    options = _supercells(prim, 1, 10 ** 6) or [(1, 1, 1)]
    reps = min(options, key=lambda r: (abs(len(prim) * int(np.prod(r)) - n_atoms), np.prod(r)))
    return prim.repeat(reps)


def _supercells(prim: Atoms, n_min: int, n_max: int) -> list[tuple[int, int, int]]:
    """Repeats of ``prim`` with n_min..n_max + 1 atoms (one may become a vacancy), keeping the
    compact ones: the longest repeated lattice vector at most twice the shortest."""
    lengths = prim.cell.lengths()
    out = []
    for reps in np.ndindex(6, 6, 6):
        reps = tuple(int(r) + 1 for r in reps)
        n = len(prim) * int(np.prod(reps))
        if not n_min <= n <= n_max + 1:
            continue
        sides = lengths * reps
        if sides.max() <= 2.0 * sides.min() or n <= 2:
            out.append(reps)
    return out


def shortest_period_A(atoms) -> float:
    """The shortest lattice translation along the periodic axes (an atom's distance to its own
    nearest image); inf when no axis is periodic."""
    from ase.geometry import minkowski_reduce

    pbc = np.asarray(atoms.pbc, bool)
    if not pbc.any():
        return np.inf
    cell = atoms.cell.array
    if pbc.all():
        cell = minkowski_reduce(cell)[0]  # its shortest vector is a combination of ≤ 1 of each
    vectors = cell[pbc]
    shifts = np.array(np.meshgrid(*[[-1, 0, 1]] * len(vectors))).reshape(len(vectors), -1).T
    lengths = np.linalg.norm(shifts[np.any(shifts != 0, axis=1)] @ vectors, axis=1)
    return float(lengths.min())


def check_structures(structures: Structures, element: str, min_distance_A: float,
                     max_rejected_fraction: float, volume_per_atom_A3: tuple[float, float]
                     ) -> tuple[np.ndarray, list[str]]:
    """Return a keep mask and one message per rejected configuration (index and reason).

    Raises StructureError when more than ``max_rejected_fraction`` of the set is rejected.
    """
    from ase.geometry import get_distances

    z = atomic_numbers[element]
    keep = np.ones(len(structures), dtype=bool)
    reasons = []
    for i in range(len(structures)):
        atoms = structures.atoms(i)
        reason = None
        if not np.all(np.isfinite(atoms.positions)) or not np.all(np.isfinite(atoms.cell.array)):
            reason = "non-finite coordinates or cell"
        elif np.any(atoms.numbers != z):
            wrong = sorted({chemical_symbols[n] for n in atoms.numbers if n != z})
            reason = f"contains {wrong}, expected only {element}"
        elif abs(atoms.cell.volume) <= 1e-9 * max(atoms.cell.lengths().prod(), 1e-300):
            reason = (f"the cell {np.round(atoms.cell.array, 6).tolist()} cannot be inverted "
                      "(zero volume)")
        else:
            volume = abs(atoms.cell.volume) / len(atoms)
            period = shortest_period_A(atoms)
            if not volume_per_atom_A3[0] <= volume <= volume_per_atom_A3[1]:
                side = "below" if volume < volume_per_atom_A3[0] else "above"
                bound = volume_per_atom_A3[0] if side == "below" else volume_per_atom_A3[1]
                reason = (f"volume per atom {volume:.6g} Å³ {side} the allowed {bound:g} Å³ "
                          f"(structures.volume_per_atom_A3)")
            elif period < min_distance_A:
                reason = (f"an atom is {period:.3f} Å from its own periodic image, below "
                          f"{min_distance_A} Å (a cell side too short)")
            elif len(atoms) > 1:
                _, d = get_distances(atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
                d = d[np.triu_indices(len(atoms), 1)]
                if d.min() < min_distance_A:
                    reason = f"interatomic distance {d.min():.3f} Å below {min_distance_A} Å"
        if reason:
            keep[i] = False
            reasons.append(f"configuration {i}: {reason}")
    if len(structures) and (~keep).mean() > max_rejected_fraction:
        raise StructureError(
            f"{(~keep).sum()} of {len(structures)} configurations rejected (limit "
            f"{max_rejected_fraction:.0%}); first: {reasons[:5]}. Fix the source or raise "
            "structures.max_rejected_fraction.")
    return keep, reasons


def subset(structures: Structures, keep: np.ndarray) -> Structures:
    """The configurations flagged in ``keep`` (and their split), in order."""
    idx = np.flatnonzero(keep)
    atoms_list = [structures.atoms(i) for i in idx]
    out = Structures.from_atoms(atoms_list, [structures.kinds[i] for i in idx])
    if len(structures.is_train) == len(structures):
        out.is_train = structures.is_train[idx]
    return out


def split_train_count(n: int, test_fraction: float, method: str = "numpy") -> int:
    """Training configurations of a split of ``n``: the paper's code truncates, numpy rounds."""
    if method == "python_random":
        return int(n * (1.0 - test_fraction))
    if method == "numpy":
        return int(round(n * (1.0 - test_fraction)))
    raise ValueError(f"split.method must be 'numpy' or 'python_random', got {method!r}")


def split_train_test(n: int, test_fraction: float, seed: int, method: str = "numpy") -> np.ndarray:
    """Configuration-level split: shuffle with ``seed``, the first ``(1 - test_fraction)`` train.

    ``python_random`` is the paper's code: ``random.seed(seed); random.shuffle(range(n))`` and
    ``int(n * (1 - test_fraction))`` training configurations (seed 58, 0.5 in the paper).
    """
    n_train = split_train_count(n, test_fraction, method)
    if method == "python_random":
        import random

        order = list(range(n))
        random.Random(seed).shuffle(order)
    else:
        order = np.random.default_rng(seed).permutation(n)
    is_train = np.zeros(n, dtype=bool)
    is_train[order[:n_train]] = True
    return is_train


def write_structures(path: str | Path, structures: Structures, settings: dict,
                     rejected: list[str] | None = None, source_ids: np.ndarray | None = None,
                     valid: np.ndarray | None = None, rescale_factor: float = 1.0) -> None:
    """Write structures (and their split and checks) to the HDF5 ``path``."""
    with atomic_h5(path) as h5:
        h5.create_dataset("source_id", data=np.arange(len(structures)) if source_ids is None
                          else np.asarray(source_ids, dtype=np.int64))
        h5.create_dataset("valid", data=np.ones(len(structures), bool) if valid is None else valid)
        h5.create_dataset("numbers", data=structures.numbers)
        h5.create_dataset("positions_A", data=structures.positions)
        h5.create_dataset("cells_A", data=structures.cells)
        h5.create_dataset("pbc", data=structures.pbc)
        h5.create_dataset("offsets", data=structures.offsets)
        h5.create_dataset("is_train", data=structures.is_train)
        write_strings(h5, "kinds", structures.kinds)
        write_strings(h5, "rejected", rejected or [])
        write_provenance(h5, "structures", settings, n_configs=len(structures),
                         rescale_factor=rescale_factor)


def read_structures_metadata(path: str | Path) -> dict:
    """What structures.h5 holds besides the configurations: source ids, validity, rejection
    messages, the settings it was made with and the rescale factor."""
    import json

    with open_h5(path, "structures") as h5:
        return {"source_id": h5["source_id"][()], "valid": h5["valid"][()],
                "rejected": read_strings(h5, "rejected"),
                "settings": json.loads(h5.attrs["settings_json"]),
                "rescale_factor": float(h5.attrs.get("rescale_factor", 1.0))}


def read_structures(path: str | Path) -> Structures:
    """Read a structures file written by ``write_structures``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"structures file not found: {path} (run the 'structures' rule)")
    with open_h5(path, "structures") as h5:
        return Structures(
            numbers=h5["numbers"][()], positions=h5["positions_A"][()], cells=h5["cells_A"][()],
            pbc=h5["pbc"][()], offsets=h5["offsets"][()], kinds=read_strings(h5, "kinds"),
            is_train=h5["is_train"][()],
        )


def valid_mask(structures_path: Path) -> np.ndarray | None:
    """Which configurations passed the structure checks (None: the file predates the checks)."""
    with open_h5(structures_path, "structures") as h5:
        return h5["valid"][()] if "valid" in h5 else None
