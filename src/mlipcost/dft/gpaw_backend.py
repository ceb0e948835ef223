"""GPAW in plane-wave mode: the embedded local DFT backend."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from ase import Atoms

from .backend import DFTResult
from .ladder import Level


class SCFNotConverged(RuntimeError):
    """GPAW's SCF did not converge, with the default and then the cautious mixer."""
    pass


class GpawBackend:
    """PBE plane waves with the level's cutoff and smearing on the given Γ-centred mesh.

    An SCF that does not converge is retried once with a slower, longer-memory density mixer.
    """

    code = "gpaw"

    def __init__(self, xc: str = "PBE", scf_maxiter: int = 333):
        self.xc = xc
        self.scf_maxiter = scf_maxiter

    def version(self) -> str:
        """GPAW's version."""
        import gpaw
        return gpaw.__version__

    def settings(self, level: Level) -> dict:
        """Everything that decides a result at ``level`` (keys the record store)."""
        return {"code": self.code, "xc": self.xc, "mode": "pw", "cutoff_eV": level.cutoff_eV,
                "kspacing_per_A": level.kspacing_per_A, "smearing": "methfessel-paxton",
                "smearing_order": level.smearing_order, "smearing_eV": level.smearing_eV}

    def _calculator(self, level: Level, mesh, txt: Path, cautious: bool):
        from gpaw import GPAW, PW, Mixer

        kwargs = dict(
            mode=PW(level.cutoff_eV), xc=self.xc,
            kpts={"size": tuple(mesh), "gamma": True},
            occupations={"name": "methfessel-paxton", "width": level.smearing_eV,
                         "order": level.smearing_order},
            maxiter=self.scf_maxiter, txt=str(txt),
        )
        if cautious:
            kwargs["mixer"] = Mixer(beta=0.02, nmaxold=8, weight=100.0)
            kwargs["maxiter"] = 3 * self.scf_maxiter
        return GPAW(**kwargs)

    def calculate(self, atoms: Atoms, level: Level, mesh, workdir: Path) -> DFTResult:
        """Single point of ``atoms`` at ``level`` on the Γ-centred ``mesh``; GPAW's text output in
        ``workdir``. Retries once with a slower mixer; raises SCFNotConverged after both.
        """
        from gpaw import KohnShamConvergenceError

        workdir.mkdir(parents=True, exist_ok=True)
        last_error = None
        for attempt, cautious in enumerate((False, True), start=1):
            atoms = atoms.copy()
            calc = self._calculator(level, mesh, workdir / f"gpaw_attempt{attempt}.txt", cautious)
            atoms.calc = calc
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                free_energy = atoms.get_potential_energy(force_consistent=True)
                forces = atoms.get_forces()
                stress = atoms.get_stress(voigt=True)
            except KohnShamConvergenceError as err:
                last_error = err
                continue
            wall = time.perf_counter() - start
            # CPU time of this (single-threaded) process: the cost on a dedicated core, whatever
            # else shares the machine
            cpu = time.process_time() - cpu_start
            setups = sorted({(s.symbol, s.fingerprint) for s in calc.setups})
            return DFTResult(**{
                "energy_eV": float(free_energy),
                "energy_sigma0_eV": float(calc.get_potential_energy(atoms)),
                "forces_eV_per_A": np.asarray(forces, dtype=float),
                "stress_eV_per_A3": np.asarray(stress, dtype=float),
                "wall_time_s": wall,
                "cpu_time_s": cpu,
                "scf_iterations": int(calc.get_number_of_iterations()),
                "attempts": attempt,
                "code_version": self.version(),
                "setups": ";".join(f"{sym}:{fp}" for sym, fp in setups),
            })
        raise SCFNotConverged(f"SCF not converged after 2 attempts (last: {last_error})")
