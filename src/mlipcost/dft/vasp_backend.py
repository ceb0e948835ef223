"""VASP through pymatgen (inputs, parsing) and custodian (running, error handling).

Every input set of a level is identical except for the structure and its k-mesh. Custodian's
handlers run wrapped in a guard: a correction that would change a precision setting (the k-mesh
or any of PRECISION_TAGS) is undone and the calculation recorded as failed, so that no label is
computed at a precision other than its level's.
"""

from __future__ import annotations

import shlex
import shutil
import warnings
from pathlib import Path

import numpy as np
from ase import Atoms

from .backend import DFTResult
from .ladder import Level

PRECISION_TAGS = ("ENCUT", "ISMEAR", "SIGMA", "PREC", "LREAL", "EDIFF")
# eV/Å³ per kBar; VASP's stress is pressure-like (positive = compressive), ASE's the opposite.
KBAR_TO_EV_PER_A3 = 0.1 / 160.21766208


class VaspParseError(RuntimeError):
    """VASP's outputs are missing, truncated or unconverged: the reason, never zero-filled numbers.
    """
    pass


def incar_for(level: Level, overrides: dict | None = None) -> dict:
    """Static single point at the level's precision; user overrides may not touch precision."""
    incar = {
        "ENCUT": level.cutoff_eV, "ISMEAR": level.smearing_order, "SIGMA": level.smearing_eV,
        "PREC": "Accurate", "EDIFF": 1e-6, "LREAL": False, "NSW": 0, "IBRION": -1,
        "LWAVE": False, "LCHARG": False, "ISYM": 0, "NELM": 200,
    }
    for key, value in (overrides or {}).items():
        if key.upper() in PRECISION_TAGS:
            raise ValueError(f"dft.vasp.incar may not set {key}: it comes from the level")
        incar[key.upper()] = value
    return incar


def write_inputs(atoms: Atoms, level: Level, mesh, directory: Path, potcar_symbol: str,
                 incar_overrides: dict | None = None) -> dict:
    """INCAR, Γ-centred KPOINTS, POSCAR, and POTCAR (or POTCAR.spec when no POTCARs exist)."""
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.vasp.inputs import Incar, Kpoints, Poscar, Potcar

    directory.mkdir(parents=True, exist_ok=True)
    structure = AseAtomsAdaptor.get_structure(atoms)
    Incar(incar_for(level, incar_overrides)).write_file(directory / "INCAR")
    Kpoints.gamma_automatic(kpts=tuple(int(n) for n in mesh)).write_file(directory / "KPOINTS")
    Poscar(structure).write_file(directory / "POSCAR")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Potcar([potcar_symbol], functional="PBE").write_file(directory / "POTCAR")
        potcar = "POTCAR"
    except (OSError, ValueError, RuntimeError) as err:
        # No licensed POTCARs here (PMG_VASP_PSP_DIR unset): say which one VASP needs.
        (directory / "POTCAR.spec").write_text(potcar_symbol + "\n")
        potcar = f"POTCAR.spec ({err.__class__.__name__}: set PMG_VASP_PSP_DIR for real POTCARs)"
    return {"potcar": potcar}


def _open(path: Path) -> Path:
    if path.exists():
        return path
    if path.with_suffix(path.suffix + ".gz").exists():
        return path.with_suffix(path.suffix + ".gz")
    raise VaspParseError(f"{path.name} missing in {path.parent}")


def parse_outputs(directory: Path) -> dict:
    """Energy (free, and σ→0), forces, stress (ASE convention), SCF steps, wall time, provenance.

    A truncated or incomplete run raises VaspParseError with the reason; nothing is zero-filled.
    """
    from pymatgen.io.vasp.outputs import Outcar, Vasprun

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = Vasprun(str(_open(directory / "vasprun.xml")), parse_potcar_file=False,
                          parse_dos=False, parse_eigen=False)
    except VaspParseError:
        raise
    except Exception as err:
        raise VaspParseError(f"vasprun.xml unreadable (truncated or incomplete run): "
                             f"{type(err).__name__}: {err}") from err
    if not run.ionic_steps:
        raise VaspParseError("vasprun.xml has no ionic step")
    step = run.ionic_steps[-1]
    if not run.converged_electronic:
        raise VaspParseError(f"SCF not converged in {len(step['electronic_steps'])} steps")
    try:
        stats = Outcar(str(_open(directory / "OUTCAR"))).run_stats
        wall = float(stats["Elapsed time (sec)"])
        cpu = float(stats.get("Total CPU time used (sec)", np.nan))
    except Exception as err:
        raise VaspParseError(f"OUTCAR has no elapsed time (run incomplete): {err}") from err
    s = np.asarray(step["stress"], dtype=float)
    voigt = -KBAR_TO_EV_PER_A3 * np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
    return {
        "energy_eV": float(step["e_fr_energy"]),        # TOTEN: consistent with the forces
        "energy_sigma0_eV": float(step["e_0_energy"]),
        "forces_eV_per_A": np.asarray(step["forces"], dtype=float),
        "stress_eV_per_A3": voigt,
        "wall_time_s": wall,
        "cpu_time_s": cpu,
        "scf_iterations": len(step["electronic_steps"]),
        "code_version": f"vasp {run.vasp_version}",
        "setups": ";".join(p["titel"] for p in run.potcar_spec),
        "kmesh_used": tuple(int(n) for n in run.kpoints.kpts[0]),
    }


def precision_snapshot(directory: Path) -> dict:
    """The precision-deciding INCAR tags and the KPOINTS text written in ``directory``
    (what the tests compare with the expected inputs).
    """
    from pymatgen.io.vasp.inputs import Incar

    incar = Incar.from_file(directory / "INCAR")
    snapshot = {tag: incar.get(tag) for tag in PRECISION_TAGS}
    snapshot["KPOINTS"] = (directory / "KPOINTS").read_text()
    return snapshot


def guarded(handler_cls):
    """A subclass of a custodian handler whose corrections may not change precision settings."""
    from custodian.custodian import ErrorHandler

    if not issubclass(handler_cls, ErrorHandler):
        raise TypeError(f"{handler_cls} is not a custodian ErrorHandler")

    class PrecisionGuarded(handler_cls):
        def correct(self, directory="./"):
            directory = Path(directory)
            before = precision_snapshot(directory)
            saved = {n: (directory / n).read_bytes() for n in ("INCAR", "KPOINTS")}
            result = super().correct(directory=str(directory))
            after = precision_snapshot(directory)
            changed = sorted(k for k in before if before[k] != after[k])
            if changed:
                for name, blob in saved.items():
                    (directory / name).write_bytes(blob)
                return {"errors": list(result.get("errors", [])) + [
                    f"refused correction: it changes precision settings {changed}"],
                    "actions": None}
            return result

    PrecisionGuarded.__name__ = f"PrecisionGuarded{handler_cls.__name__}"
    return PrecisionGuarded


class VaspBackend:
    """VASP through pymatgen's input set and custodian's job runner and error handlers.

    ``command`` starts VASP (e.g. ``srun --gpus-per-task=1 vasp_std``); ``potcar`` the POTCAR
    symbol (default: the element).
    """
    code = "vasp"

    def __init__(self, command: str = "vasp_std", potcar: str | None = None,
                 incar: dict | None = None, gamma_command: str | None = None,
                 max_errors: int = 3, element: str | None = None):
        self.command = command
        self.gamma_command = gamma_command
        self.potcar = potcar
        self.incar = incar or {}
        self.max_errors = max_errors

    def settings(self, level: Level) -> dict:
        """Everything that decides a result at ``level`` (keys the record store)."""
        return {"code": self.code, "command": self.command, "potcar": self.potcar,
                "incar": incar_for(level, self.incar),
                "kspacing_per_A": level.kspacing_per_A}

    def version(self) -> str:
        """A placeholder: VASP's version is read from each run's vasprun.xml into its record."""
        return "vasp (version from vasprun.xml)"

    def handlers(self):
        """Custodian's VASP error handlers, each guarded so that a handler's own crash is a
        recorded failure, not a lost chunk.
        """
        from custodian.vasp.handlers import (NonConvergingErrorHandler, UnconvergedErrorHandler,
                                             VaspErrorHandler)
        return [guarded(VaspErrorHandler)(), guarded(UnconvergedErrorHandler)(),
                guarded(NonConvergingErrorHandler)()]

    def calculate(self, atoms: Atoms, level: Level, mesh, workdir: Path) -> DFTResult:
        """Single point of ``atoms`` at ``level`` on the Γ-centred ``mesh`` in ``workdir`` (cleaned
        first); raises VaspParseError when VASP's outputs do not hold a converged result on that mesh.
        """
        from custodian import Custodian
        from custodian.vasp.jobs import VaspJob
        from custodian.vasp.validators import VasprunXMLValidator

        if workdir.exists():  # a killed attempt: start clean, never parse stale output
            shutil.rmtree(workdir)
        symbol = self.potcar or atoms.get_chemical_symbols()[0]
        write_inputs(atoms, level, mesh, workdir, symbol, self.incar)
        job = VaspJob(shlex.split(self.command), auto_npar=False, final=True, backup=True,
                      gamma_vasp_cmd=shlex.split(self.gamma_command) if self.gamma_command else None)
        runner = Custodian(self.handlers(), [job], validators=[VasprunXMLValidator()],
                           max_errors=self.max_errors, polling_time_step=5, monitor_freq=6,
                           directory=str(workdir))
        runner.run()
        result = parse_outputs(workdir)
        if tuple(result.pop("kmesh_used")) != tuple(int(n) for n in mesh):
            raise VaspParseError(f"VASP used a k-mesh other than the level's {tuple(mesh)}")
        result["attempts"] = 1
        return DFTResult(**result)
