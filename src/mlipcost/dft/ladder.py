"""Convergence levels and the Γ-centred k-mesh that VASP and GPAW both receive."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Level:
    """One rung of the ladder: plane-wave cutoff × k-point spacing (VASP's 2π convention)."""

    name: str
    cutoff_eV: float
    kspacing_per_A: float | None      # None: Γ point only
    smearing_eV: float = 0.2          # Methfessel–Paxton order 1 width (VASP ISMEAR 1, SIGMA)
    smearing_order: int = 1

    @classmethod
    def from_config(cls, entry: dict, smearing: dict) -> "Level":
        """A level from its config entry and the ``dft.smearing`` section."""
        return cls(
            name=str(entry["name"]),
            cutoff_eV=float(entry["cutoff_eV"]),
            kspacing_per_A=(None if entry.get("kspacing_per_A") is None
                            else float(entry["kspacing_per_A"])),
            smearing_eV=float(entry.get("smearing_eV", smearing.get("width_eV", 0.2))),
            smearing_order=int(smearing.get("order", 1)),
        )

    def as_dict(self) -> dict:
        """The level's settings as plain values (cutoff eV, spacing Å⁻¹, smearing)."""
        return asdict(self)


def kmesh(cell: np.ndarray, kspacing_per_A: float | None, rounding: str = "ceil",
          pbc=(True, True, True)) -> tuple[int, int, int]:
    """Γ-centred mesh N_i from the spacing: N_i = |b_i| / spacing, |b_i| including 2π.

    ``ceil`` is VASP's KSPACING rule (N_i = max(1, ⌈|b_i|/KSPACING⌉)); ``round`` rounds to the
    nearest integer instead, as pyiron's k-mesh spacing does (the paper's inputs). A non-periodic
    direction and Γ-only levels get 1.
    """
    if kspacing_per_A is None:
        return (1, 1, 1)
    if kspacing_per_A <= 0:
        raise ValueError(f"kspacing_per_A must be positive or null (Γ only), got {kspacing_per_A}")
    reciprocal = 2.0 * np.pi * np.linalg.inv(np.asarray(cell, dtype=float)).T
    ratio = np.linalg.norm(reciprocal, axis=1) / kspacing_per_A
    if rounding == "ceil":
        # VASP compares in floating point; a tolerance keeps exact multiples from rounding up.
        n = np.ceil(ratio - 1e-8)
    elif rounding == "round":
        n = np.rint(ratio)
    else:
        raise ValueError(f"dft.kmesh_rounding must be 'ceil' or 'round', got {rounding!r}")
    n = np.maximum(n, 1).astype(int)
    n[~np.asarray(pbc, dtype=bool)] = 1
    return tuple(int(v) for v in n)
