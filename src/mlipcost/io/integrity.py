"""``mlipcost check``: read every file of a results tree in full and name the ones that are not as
written (differing from the content hash recorded at writing, truncated, failing their
checksums, or a CSV whose hash differs from its record) with the rule that remakes them. It never
stops at a bad file: each is named, and the rest are checked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import numpy as np

from .producers import MADE_BY, made_by  # noqa: F401  (checks name each file's rule)
from .storage import (content_hash_path, content_problem, csv_problem, provenance_path,
                      unreadable_message)

def _read_all_h5(path: Path) -> list[str]:
    """Read every dataset; return the names of numeric ones written without checksums."""
    unchecked: list[str] = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            obj[()]
            if obj.dtype.kind in "biuf" and obj.size > 0 and obj.ndim > 0 and not obj.fletcher32:
                unchecked.append(name)
    with h5py.File(path, "r") as h5:
        h5.visititems(visit)
    return unchecked


def check_file(path: Path, root: Path) -> tuple[str | None, str | None]:
    """(problem, note) for one file: a problem is a file not as written; a note says what could
    not be verified. Never raises: a file that cannot be read at all is a problem."""
    rule = made_by(path.relative_to(root).as_posix())
    try:
        problem = content_problem(path, rule)
        if problem:
            return problem, None
        hashed = content_hash_path(path).exists()
        if path.suffix == ".h5":
            unchecked = _read_all_h5(path)
            if unchecked and not hashed:
                return None, (f"{path}: {len(unchecked)} datasets have no checksums (written "
                              "by an older mlipcost): read, not verified")
        elif path.suffix == ".csv":
            if not provenance_path(path).exists():
                return None, f"{path}: no provenance record (not written by mlipcost): not verified"
            return csv_problem(path, path.read_bytes(), rule), None
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as record:
                for name in record.files:
                    record[name]          # zip members carry a CRC-32, checked on reading
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as err:
        return unreadable_message(path, err, rule), None
    except Exception as err:  # noqa: BLE001 - a damaged file may fail anywhere in its reader
        return unreadable_message(path, RuntimeError(f"{type(err).__name__}: {err}"), rule), None
    return None, None


def check_tree(root: Path) -> tuple[int, list[str], list[str]]:
    """(files checked, problems, notes) for every .h5, .npz and .csv file under ``root`` and
    every other file with a recorded content hash."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder (give a results folder, e.g. results/)")
    files = sorted(p for p in root.rglob("*") if not p.name.startswith(".") and p.is_file()
                   and (p.suffix in (".h5", ".npz", ".csv") or content_hash_path(p).exists()))
    problems, notes = [], []
    for path in files:
        problem, note = check_file(path, root)
        if problem:
            problems.append(problem)
        if note:
            notes.append(note)
    return len(files), problems, notes
