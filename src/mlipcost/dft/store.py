"""The record store: the folder of one level's per-configuration results, keyed on its DFT
settings, the backend a config names, and the offline stand-in that only reads the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .labels import STATUS_OK, Labels
from ..io.storage import config_hash, json_dump
from .chunks import NotInRecordStore, label_chunk
from .ladder import Level


class OfflineBackend:
    """The configured backend's settings, but no DFT: every result must come from the store."""

    def __init__(self, backend, store: Path):
        self.backend, self.store = backend, store
        self.code = backend.code

    def settings(self, level):
        """The configured backend's settings (so the store is found)."""
        return self.backend.settings(level)

    def version(self) -> str:
        """'offline': nothing is computed."""
        return "offline"

    def calculate(self, atoms, level, mesh, workdir):
        """Raises NotInRecordStore: a configuration the store lacks is a recorded failure."""
        raise NotInRecordStore(f"no record in {self.store} (dft.offline is set: no DFT runs)")


def make_backend(dft: dict):
    """The backend ``dft.code`` names, with its section's settings."""
    if dft["code"] == "gpaw":
        from .gpaw_backend import GpawBackend
        return GpawBackend(**dft.get("gpaw", {}))
    if dft["code"] == "vasp":
        from .vasp_backend import VaspBackend
        return VaspBackend(**dft.get("vasp", {}))
    raise ValueError(f"dft.code: unknown DFT code {dft['code']!r}; use gpaw or vasp")


# The record store when dft.record_store names none, relative to the working directory: beside
# results/, not in it, since it is a cache shared by every study run there and no job's output.
DEFAULT_RECORD_STORE = "dft-records"


def record_folder(store: Path, dft: dict, backend, level: Level) -> tuple[Path, dict]:
    """The folder of ``level``'s per-configuration records in the record ``store`` and the
    settings that key it. A folder gets a settings.json saying what its records used (not in
    offline studies)."""
    settings = {**backend.settings(level), "kmesh_rounding": dft.get("kmesh_rounding", "ceil")}
    folder = Path(store) / config_hash(settings)
    if not dft.get("offline", False) and not (folder / "settings.json").exists():
        json_dump({**settings, "level": level.name, "code_version": backend.version()},
                  folder / "settings.json")
    return folder, settings


def labels_from_store(structures, configs, level: Level, backend, folder: Path,
                      rounding: str = "ceil", log=print, timeout_s: float | None = None,
                      work_dir: Path | None = None) -> Labels:
    """``level``'s labels of ``configs`` (the rest NaN, not ok), from the record folder or, for
    what it lacks, from ``backend``."""
    n = len(structures)
    energy, ok = np.full(n, np.nan), np.zeros(n, bool)
    forces = np.full((int(structures.n_atoms.sum()), 3), np.nan)
    for i in configs:
        record = label_chunk(structures, int(i), int(i) + 1, level, backend, folder, rounding,
                             log=log, timeout_s=timeout_s, work_dir=work_dir)[0]
        if str(record["status"]) == STATUS_OK:
            energy[i], ok[i] = float(record["energy_eV"]), True
            forces[structures.offsets[i]:structures.offsets[i + 1]] = record["forces_eV_per_A"]
        log(f"level {level.name} configuration {i}: {record['status']}")
    return Labels(energy=energy, forces=forces, stress=np.full((n, 6), np.nan),
                  wall_time_s=np.full(n, np.nan), ok=ok, reasons=[""] * n,
                  offsets=structures.offsets, level=level.name, settings={})


def label_subset(structures, wanted, dft: dict, level_name: str, out: Path, *,
                 record_store: Path, work_dir: Path, why_not: str, log=print, backend=None,
                 name: str | None = None, **attrs) -> None:
    """A level's label file for the configurations ``wanted`` (a mask), each from the record store
    or computed (the DFT code's files under ``work_dir``) and recorded there; the others are
    marked not requested with ``why_not``. ``name`` says what they are in messages (default the
    level). More failures than ``dft.max_failed_fraction`` of the
    wanted ones stop it, naming the level."""
    from .labels import STATUS_FAILED, STATUS_NOT_REQUESTED, write_level_file

    wanted = np.asarray(wanted, bool)
    name = name or f"level {level_name}"
    entry = next((lvl for lvl in dft["levels"] if str(lvl["name"]) == str(level_name)), None)
    if entry is None:
        raise ValueError(f"level {level_name!r} is not one of dft.levels")
    level = Level.from_config(entry, dft.get("smearing", {}))
    backend = make_backend(dft) if backend is None else backend
    records_dir, settings = record_folder(record_store, dft, backend, level)
    if dft.get("offline", False):
        backend = OfflineBackend(backend, records_dir)
    n = len(structures)
    energy, wall, cpu = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    forces = np.full((int(structures.n_atoms.sum()), 3), np.nan)
    stress = np.full((n, 6), np.nan)
    status = np.array([STATUS_NOT_REQUESTED] * n, dtype=object)
    reasons = np.array([why_not] * n, dtype=object)
    reused = 0
    for i in np.flatnonzero(wanted):
        record = label_chunk(structures, int(i), int(i) + 1, level, backend, records_dir,
                             dft.get("kmesh_rounding", "ceil"), dft.get("max_attempts", 1),
                             log=log, timeout_s=dft.get("config_timeout_s"),
                             work_dir=work_dir)[0]
        reused += bool(record.get("from_store"))
        status[i], reasons[i] = str(record["status"]), str(record["reason"])
        energy[i] = float(record["energy_eV"])
        forces[structures.offsets[i]:structures.offsets[i + 1]] = record["forces_eV_per_A"]
        stress[i] = record["stress_eV_per_A3"]
        wall[i], cpu[i] = float(record["wall_time_s"]), float(record.get("cpu_time_s", np.nan))
    failed = int((status == STATUS_FAILED).sum())
    limit = dft.get("max_failed_fraction", 0.05)
    if failed > limit * max(int(wanted.sum()), 1):
        raise RuntimeError(f"{name}: {failed} of {int(wanted.sum())} configurations "
                           f"failed (> dft.max_failed_fraction {limit:.1%}); reasons in "
                           f"{Path(out).name}'s log")
    write_level_file(out, structures, settings=settings, level=str(level_name),
                     structures_hash="", energy=energy, forces=forces, stress=stress,
                     wall_time_s=wall, cpu_time_s=cpu, status=status, reasons=reasons, **attrs)
    log(f"{name}: {int((status == STATUS_OK).sum())} of {int(wanted.sum())} ok, "
        f"{reused} from the record store, {int(wanted.sum()) - reused} computed")
