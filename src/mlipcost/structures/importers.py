"""Configurations and labels from files: any ASE format, and the paper's pandas/PyTables HDF.

The paper's HDF files (``Be_structures.h5``: one row per configuration, column ``ASEatoms``;
``Be_prec_{L}.h5``: columns ``index``, ``energy``, ``forces``, ``stress``) store pickled Python
objects. Unpickling runs code from the file, so they are read only with an explicit
``trusted: true`` in the config.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .configurations import Structures
from ..io.trajectories import read_frames


class UntrustedFileError(PermissionError):
    """A pickled HDF file (the paper's) read without ``trusted: true``."""
    pass


def _require_trusted(spec: dict, key: str) -> None:
    if not spec.get("trusted", False):
        raise UntrustedFileError(
            f"{key}: {spec['path']} is a pandas/PyTables HDF file of pickled Python objects; "
            "reading it runs code stored in the file. Set `trusted: true` next to its path only "
            "for files you trust (e.g. the paper's published data).")


def _read_pandas_hdf(path: Path):
    try:
        import pandas as pd
        import tables  # noqa: F401  (pandas needs PyTables for read_hdf)
    except ImportError as err:
        raise ImportError("reading the paper's HDF format needs pandas and PyTables: "
                          "pip install 'mlipcost[paper]'") from err
    return pd.read_hdf(path)


def _existing(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path} (check its path in the config)")
    return path


def unreadable(path: Path, fmt: str | None, format_key: str, err: BaseException) -> ValueError:
    """ASE's parse errors name neither the file nor the frame: one line that does."""
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ValueError(f"{path}: ASE cannot read it as {fmt or 'the format its name implies'} "
                      f"({first}); fix the file or name its format with {format_key}")


def rescale_factor(rescale: dict | None) -> float:
    """A uniform scale factor, given directly or as source -> target lattice constant."""
    if not rescale:
        return 1.0
    if "factor" in rescale:
        return float(rescale["factor"])
    return float(rescale["to_A"]) / float(rescale["from_A"])


def read_structures_file(spec: dict) -> tuple[Structures, np.ndarray]:
    """(structures, source ids) from ``structures.source`` 'file' or 'paper_hdf'."""
    path = _existing(spec["path"])
    if spec["source"] == "paper_hdf":
        _require_trusted(spec, "structures.path")
        df = _read_pandas_hdf(path).sort_index()
        if "ASEatoms" not in df:
            raise ValueError(f"{path}: no column 'ASEatoms' (columns: {list(df.columns)})")
        atoms_list = [a.copy() for a in df["ASEatoms"].values]
        ids = np.asarray(df.index, dtype=np.int64)
        kinds = ["paper_hdf"] * len(atoms_list)
    else:
        from ase.io.formats import UnknownFileTypeError

        try:
            atoms_list = read_frames(path, spec.get("format"))
        except StopIteration:
            atoms_list = []
        except UnknownFileTypeError as err:
            if path.stat().st_size:
                raise ValueError(f"{path}: ASE cannot tell its format ({err}); name it with "
                                 "structures.format (e.g. extxyz)") from None
            atoms_list = []
        except (ValueError, OSError, IndexError, KeyError) as err:
            raise unreadable(path, spec.get("format"), "structures.format", err) from None
        if not atoms_list:
            raise ValueError(f"{path}: holds no configurations (structures.path); give a file "
                             "with at least one frame")
        ids = np.array([a.info.get("config_id", i) for i, a in enumerate(atoms_list)], dtype=np.int64)
        # a file this workflow wrote carries each configuration's kind (bulk_reference included)
        kinds = [str(a.info.get("kind", a.info.get("group", "file"))) for a in atoms_list]
    factor = rescale_factor(spec.get("rescale"))
    if factor != 1.0:
        for atoms in atoms_list:
            atoms.set_cell(atoms.cell.array * factor, scale_atoms=True)
    return Structures.from_atoms(atoms_list, kinds), ids


def count_configurations(spec: dict) -> int:
    """How many configurations a file source holds (for planning the DFT chunks)."""
    return len(read_structures_file(spec)[0])


POSITION_TOLERANCE_A = 1e-3


def check_frame_matches(path: Path, config_id: int, atoms, structures: Structures, k: int,
                        scale: float = 1.0) -> None:
    """A label frame must be the configuration it labels: same species in the same order, same
    cell (× ``structures.rescale``'s factor) and positions within POSITION_TOLERANCE_A (Å, minimum
    image), so that swapped or shifted frames are an error naming the configuration, not a
    silently exchanged label."""
    lo, hi = structures.offsets[k], structures.offsets[k + 1]
    where = f"{path}: configuration {config_id} (structure {k})"
    fix = "the label file does not hold the structures file's configurations in this id"
    if len(atoms) != hi - lo:
        raise ValueError(f"{where} has {len(atoms)} atoms but {hi - lo} in the structures file: {fix}")
    if not np.array_equal(atoms.numbers, structures.numbers[lo:hi]):
        raise ValueError(f"{where}: its species differ from the structures file's: {fix}")
    cell = structures.cells[k]
    if np.abs(atoms.cell.array * scale - cell).max() > POSITION_TOLERANCE_A:
        raise ValueError(f"{where}: its cell differs from the structures file's by "
                         f"{np.abs(atoms.cell.array * scale - cell).max():.3g} Å: {fix}")
    try:
        frac = np.linalg.solve(cell.T,
                               (atoms.positions * scale - structures.positions[lo:hi]).T).T
    except np.linalg.LinAlgError:
        raise ValueError(f"{where}: its cell {np.round(cell, 6).tolist()} cannot be inverted "
                         "(zero volume); fix the configuration in the structures file") from None
    pbc = structures.pbc[k]
    frac[:, pbc] -= np.round(frac[:, pbc])
    shift = np.linalg.norm(frac @ cell, axis=1).max() if len(frac) else 0.0
    if shift > POSITION_TOLERANCE_A:
        raise ValueError(f"{where}: an atom lies {shift:.3g} Å from its position in the "
                         f"structures file: {fix}")


def import_labels(structures: Structures, source_ids: np.ndarray, spec: dict, level: str,
                  scale: float = 1.0) -> dict:
    """Per-configuration labels of one level from a file, checked against the structures.

    Returns arrays aligned with the structures; configurations the file does not label get
    status 'missing'. A frame that is not its configuration (atoms, species, cell, positions;
    ``scale`` is the structures' rescale factor) or a configuration labelled twice is an error
    naming it.
    """
    path = _existing(spec["path"])
    n = len(structures)
    position = {int(i): k for k, i in enumerate(source_ids)}
    unlabelled: set[int] = set()
    energy = np.full(n, np.nan)
    forces: list = [None] * n
    stress = np.full((n, 6), np.nan)
    wall = np.full(n, np.nan)
    cpu = np.full(n, np.nan)

    def put(k, config_id, e, f, s, t=np.nan, c=np.nan):
        f = np.asarray(f, dtype=float).reshape(-1, 3)
        if len(f) != structures.n_atoms[k]:
            raise ValueError(
                f"{path}: configuration {config_id} (structure {k}) has {len(f)} force rows but "
                f"{structures.n_atoms[k]} atoms in the structures file: the files do not match")
        energy[k], forces[k], wall[k], cpu[k] = float(e), f, t, c
        if s is not None:
            s = np.asarray(s, dtype=float)
            if s.shape == (3, 3):
                s = s[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]
            if s.shape == (6,):
                stress[k] = s

    if spec.get("format", "extxyz") == "paper_hdf":
        _require_trusted(spec, f"dft.levels[{level}].labels_from.path")
        df = _read_pandas_hdf(path).sort_values(by="index")
        for column in ("index", "energy", "forces"):
            if column not in df:
                raise ValueError(f"{path}: no column {column!r} (columns: {list(df.columns)})")
        if df["index"].duplicated().any():
            raise ValueError(f"{path}: configuration {int(df['index'][df['index'].duplicated()].iloc[0])} "
                             "is labelled twice; keep one row per configuration")
        for row in df.itertuples(index=False):
            config_id = int(row.index)
            if config_id not in position:
                raise ValueError(f"{path}: configuration {config_id} is not in the structures file")
            if hasattr(row, "ASEatoms"):
                check_frame_matches(path, config_id, row.ASEatoms, structures,
                                    position[config_id], scale)
            put(position[config_id], config_id, row.energy, row.forces, getattr(row, "stress", None))
    else:
        try:
            frames = read_frames(path, spec.get("ase_format"))
        except (ValueError, OSError, IndexError, KeyError, StopIteration) as err:
            raise unreadable(path, spec.get("ase_format") or "extxyz", "labels_from.ase_format",
                             err) from None
        by_id = all("config_id" in a.info for a in frames)
        if not by_id and len(frames) != n:
            n_bulk = int(np.sum(getattr(structures, "is_bulk_reference", np.zeros(n, bool))))
            counted = (f"{n} structures ({n - n_bulk} from the structures source and the bulk "
                       "reference mlipcost adds; label it too, or set "
                       "structures.bulk_reference: false)" if n_bulk else f"{n} structures")
            raise ValueError(f"{path}: {len(frames)} configurations for {counted}; align the "
                             "files or give each frame info['config_id']")
        seen: set[int] = set()
        for j, atoms in enumerate(frames):
            config_id = int(atoms.info["config_id"]) if by_id else int(source_ids[j])
            if config_id not in position:
                raise ValueError(f"{path}: configuration {config_id} is not in the structures file")
            if config_id in seen:
                raise ValueError(f"{path}: configuration {config_id} is labelled twice (frame {j} "
                                 "repeats its info['config_id']); keep one frame per configuration")
            seen.add(config_id)
            check_frame_matches(path, config_id, atoms, structures, position[config_id], scale)
            try:
                s = atoms.get_stress(voigt=True)
            except Exception:  # a label set without stress
                s = None
            try:
                e, f = atoms.get_potential_energy(), atoms.get_forces()
            except RuntimeError:  # a frame without results: recorded below as a failure
                e, f = np.nan, np.full((len(atoms), 3), np.nan)
                unlabelled.add(position[config_id])
            put(position[config_id], config_id, e, f, s,
                float(atoms.info.get("wall_time_s", np.nan)),
                float(atoms.info.get("cpu_time_s", np.nan)))
    missing = [k for k in range(n) if forces[k] is None]
    for k in missing:
        forces[k] = np.full((structures.n_atoms[k], 3), np.nan)
    status = np.array(["ok"] * n, dtype=object)
    reasons = np.array([""] * n, dtype=object)
    status[missing] = "missing"
    reasons[missing] = f"no label in {path.name}"
    # a NaN or infinite energy or force is a failed calculation, never a label
    for k in set(range(n)) - set(missing):
        bad = [name for name, value in (("energy", energy[k]), ("forces", forces[k]))
               if not np.all(np.isfinite(value))]
        if k in unlabelled:
            status[k] = "failed"
            reasons[k] = (f"no energy or forces in {path.name} (configuration {source_ids[k]}: "
                          "its frame carries no results)")
        elif bad:
            status[k] = "failed"
            reasons[k] = (f"non-finite {' and '.join(bad)} in {path.name} (configuration "
                          f"{source_ids[k]})")
    return {"energy_eV": energy, "forces_eV_per_A": np.concatenate(forces), "stress_eV_per_A3": stress,
            "wall_time_s": wall, "cpu_time_s": cpu, "status": status, "reason": reasons}
