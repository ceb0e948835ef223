"""What a DFT backend is to the chunk runner: its settings, its version and one calculation's
typed result. GPAW (embedded), VASP (pymatgen inputs, custodian runner) and the offline store
implement it; tests implement it with stand-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypedDict

import numpy as np
from ase import Atoms

from .ladder import Level


class DFTResult(TypedDict):
    """One successful single point, in the units its keys name."""
    energy_eV: float                 # free energy, consistent with the forces
    energy_sigma0_eV: float          # extrapolated to zero smearing
    forces_eV_per_A: np.ndarray      # (n_atoms, 3)
    stress_eV_per_A3: np.ndarray     # (6,) Voigt xx yy zz yz xz xy, ASE's sign
    wall_time_s: float
    cpu_time_s: float                # NaN where the code does not report it
    scf_iterations: int
    attempts: int                    # the backend's own retries (e.g. a slower mixer)
    code_version: str
    setups: str                      # pseudopotentials used, "symbol:fingerprint;..."


class Backend(Protocol):
    """A DFT code at the levels of a ladder."""
    code: str

    def version(self) -> str:
        """The code's version, recorded with every result."""

    def settings(self, level: Level) -> dict:
        """Everything that decides a result at ``level``: the record store is keyed on it."""

    def calculate(self, atoms: Atoms, level: Level, mesh: tuple[int, int, int],
                  workdir: Path) -> DFTResult:
        """Energy, forces and stress of ``atoms`` at ``level`` on the Γ-centred ``mesh``, the
        code's files under ``workdir``; raises on failure (the runner records the reason)."""


def result_keys() -> tuple[str, ...]:
    """The keys every result carries (what a record stores besides the runner's own)."""
    return tuple(DFTResult.__annotations__)
