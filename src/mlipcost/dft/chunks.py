"""Chunked, resumable labelling and the per-level label files.

A chunk job labels a slice of configurations at one level. Each configuration's result (or its
failure and reason) is written atomically to ``<records>/<configuration key>.npz`` as soon as it is
known, the key a hash of the configuration alone (species, positions, cell, periodicity), and
``records`` one folder per DFT settings: a rerun after a kill, a new split, a reordered or
extended set, or another workflow pointing at the same store reuses every configuration already
computed with these settings. A record that cannot be read is discarded and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import tarfile
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from .labels import (STATUS_FAILED, STATUS_OK, STATUS_REJECTED, check_finite,
                     write_level_file)
from ..io.storage import (atomic_h5, atomic_path, open_h5, read_strings, write_provenance,
                          write_strings)
from ..structures.configurations import Structures
from .backend import Backend
from .claims import RecordClaim
from .ladder import Level, kmesh


class TimeLimitExceeded(RuntimeError):
    """A DFT attempt ran past ``dft.config_timeout_s`` (recorded as a failure)."""
    pass


class NotInRecordStore(LookupError):
    """An offline study asked for a calculation its record store does not hold."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise TimeLimitExceeded in this (main) thread after ``seconds``; no limit when None."""
    if not seconds:
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(f"time limit of {seconds:g} s exceeded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def archived_work(archive: Path, scratch: str | Path | None = None):
    """A scratch folder for the DFT code's own files (under ``scratch``: the job's node-local
    tmpdir on a cluster), packed into the .tar.gz ``archive`` when the block ends without an
    error: one declared file per job on the shared file system instead of a folder of files per
    configuration (VASP's OUTCAR, vasprun.xml; GPAW's text log). The labels never come from
    here: every result is in the record store."""
    archive = Path(archive)
    top = archive.name.removesuffix(".tar.gz")
    with tempfile.TemporaryDirectory(dir=scratch, prefix=f"{top}.") as tmp:
        yield Path(tmp)
        with atomic_path(archive, suffix=".tar.gz") as packed:
            with tarfile.open(packed, "w:gz") as tar:
                tar.add(tmp, arcname=top)


def chunk_bounds(n_configs: int, chunk_size: int, chunk: int) -> tuple[int, int]:
    """Configurations [lo, hi) of chunk ``chunk`` (``chunk_size`` per chunk)."""
    lo = chunk * chunk_size
    if lo >= n_configs or chunk < 0:
        raise ValueError(f"chunk {chunk} is outside {n_configs} configurations of {chunk_size}")
    return lo, min(lo + chunk_size, n_configs)


def n_chunks(n_configs: int, chunk_size: int) -> int:
    """How many chunks of ``chunk_size`` cover ``n_configs`` configurations."""
    return -(-n_configs // chunk_size)


def configuration_key(atoms) -> str:
    """A hash of what the DFT result depends on besides the settings: species, positions (Å),
    cell (Å) and periodicity, bit for bit."""
    digest = hashlib.sha256()
    for array in (atoms.numbers.astype(np.int64), atoms.positions.astype(np.float64),
                  atoms.cell.array.astype(np.float64), np.asarray(atoms.pbc, dtype=bool)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:24]


def _record_path(records: Path, atoms) -> Path:
    return records / f"{configuration_key(atoms)}.npz"


def _write_record(path: Path, record: dict) -> None:
    # a record checks itself (a CRC-32 per zip member): the store keeps one file each
    with atomic_path(path, suffix=".npz.tmp", content_hash=False) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in record.items()})


def _read_record(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k][()] if data[k].ndim == 0 else data[k] for k in data.files}


def label_chunk(structures: Structures, lo: int, hi: int, level: Level, backend: Backend,
                records: Path, rounding: str, max_attempts: int = 1, log=print,
                skip: np.ndarray | None = None, timeout_s: float | None = None,
                work_dir: Path | None = None, claim_wait_s: float = 10.0) -> list[dict]:
    """Label configurations [lo, hi) at ``level``; return one record per configuration.

    ``records`` is the store of this level's DFT settings. ``skip[i]`` marks configurations the
    structure checks rejected: they are recorded with status ``rejected`` and never computed
    (nor stored). ``timeout_s`` limits each attempt's wall time. The DFT code's own files go
    under ``work_dir`` (default: ``records``), one folder per configuration index.

    A configuration another run is computing (its claim, ``claims.RecordClaim``) is left for
    last and then waited for (polling every ``claim_wait_s``): its record is read when written,
    or it is computed here if that run dies.
    """
    records.mkdir(parents=True, exist_ok=True)
    work_dir = records if work_dir is None else work_dir
    done: dict[int, dict] = {}
    waiting = list(range(lo, hi))
    first_pass = True
    while waiting:
        deferred = []
        for index in waiting:
            rejected = skip is not None and skip[index]
            atoms = structures.atoms(index)
            path = _record_path(records, atoms)
            record = None if rejected else _stored_record(path, index, level, log)
            if record is not None:
                done[index] = record
                continue
            claim = None if rejected else RecordClaim(path)
            if claim is not None and not claim.acquire():
                if first_pass:
                    log(f"level {level.name} configuration {index}: another run is computing "
                        f"it ({claim.path}); waiting for its record")
                deferred.append(index)
                continue
            try:
                # it may have landed between the look and the claim
                record = None if rejected else _stored_record(path, index, level, log)
                if record is None:
                    record = _compute(atoms, index, level, backend, rounding, max_attempts,
                                      log, rejected, timeout_s, work_dir, path)
            finally:
                if claim is not None:
                    claim.release()
            done[index] = record
        if deferred:
            time.sleep(claim_wait_s)
        waiting, first_pass = deferred, False
    return [done[i] for i in range(lo, hi)]


def _stored_record(path: Path, index: int, level: Level, log) -> dict | None:
    """The record at ``path``, or None when there is none (an unreadable one is discarded)."""
    if not path.exists():
        return None
    try:
        record = _read_record(path)
    except Exception as err:  # a truncated or corrupt record: compute it again
        log(f"level {level.name} configuration {index}: discarding unreadable record "
            f"{path} ({type(err).__name__}: {err}); recomputing")
        path.unlink(missing_ok=True)
        return None
    record["index"] = index
    record["from_store"] = True
    return record


def _compute(atoms, index: int, level: Level, backend: Backend, rounding: str,
             max_attempts: int, log, rejected: bool, timeout_s: float | None, work_dir: Path,
             path: Path) -> dict:
    """One configuration's record: computed (and stored), or failed with its reason."""
    mesh = kmesh(atoms.cell.array, level.kspacing_per_A, rounding, atoms.pbc)
    n = len(atoms)
    record = {"index": index, "kmesh": np.array(mesh), "n_atoms": n}
    reason = ""
    start = time.perf_counter()
    attempts = range(1, max_attempts + 1)
    if rejected:
        attempts, reason = (), "rejected by the structure checks (see structures.h5 'rejected')"
    store = bool(attempts)   # rejected or not in an offline store: nothing to keep
    for attempt in attempts:
        try:
            with time_limit(timeout_s):
                result = backend.calculate(atoms, level, mesh, work_dir / f"config{index:07d}")
            check_finite(result["energy_eV"], result["forces_eV_per_A"])
            record.update(result)
            record["status"] = STATUS_OK
            record["reason"] = ""
            break
        except NotInRecordStore as err:  # nothing was computed: not stored, not retried
            reason, store = f"{type(err).__name__}: {err}", False
            break
        except Exception as err:  # recorded with its reason, never dropped
            reason = f"{type(err).__name__}: {err}".strip()
            log(f"level {level.name} configuration {index} attempt {attempt} failed: {reason}")
            log(traceback.format_exc(limit=3))
    if "status" not in record:
        record.update({
            "status": STATUS_REJECTED if rejected else STATUS_FAILED,
            "reason": reason,
            "energy_eV": np.nan, "energy_sigma0_eV": np.nan,
            "forces_eV_per_A": np.full((n, 3), np.nan), "stress_eV_per_A3": np.full(6, np.nan),
            "wall_time_s": time.perf_counter() - start, "cpu_time_s": np.nan,
            "scf_iterations": -1,
            "attempts": max_attempts, "code_version": "", "setups": "",
        })
    if store:
        _write_record(path, record)
    return record


RECORD_FIELDS = ("energy_eV", "energy_sigma0_eV", "wall_time_s", "cpu_time_s", "scf_iterations",
                 "attempts")


def write_chunk(path: Path, records: list[dict], level: Level, settings: dict,
                job_wall_time_s: float = float("nan")) -> None:
    """Write a chunk's records (one per configuration, failures with their reason) to the HDF5
    ``path``, with the level's DFT ``settings`` and the wall time of the job that labelled it
    (s), beside the DFT wall time of the calculations it ran (records it took from the store
    cost it nothing): the workflow's overhead per level in Table 1.
    """
    dft_wall = sum(float(r["wall_time_s"]) for r in records if not r.get("from_store"))
    with atomic_h5(path) as h5:
        h5.create_dataset("index", data=np.array([int(r["index"]) for r in records]))
        for name in RECORD_FIELDS:
            h5.create_dataset(name, data=np.array([r.get(name, np.nan) for r in records],
                                                  dtype=float))
        h5.create_dataset("forces_eV_per_A",
                          data=np.concatenate([np.reshape(r["forces_eV_per_A"], (-1, 3))
                                               for r in records]))
        h5.create_dataset("stress_eV_per_A3", data=np.array([r["stress_eV_per_A3"] for r in records]))
        h5.create_dataset("kmesh", data=np.array([r["kmesh"] for r in records], dtype=int))
        h5.create_dataset("n_atoms", data=np.array([int(r["n_atoms"]) for r in records]))
        for name in ("status", "reason", "code_version", "setups"):
            write_strings(h5, name, [str(r[name]) for r in records])
        write_provenance(h5, "label_chunk", settings, level=level.name,
                         job_wall_time_s=float(job_wall_time_s), job_dft_wall_time_s=dft_wall)


def collect_level(chunk_paths: list[Path], structures: Structures, out: Path,
                  max_failed_fraction: float, structures_hash: str) -> list[str]:
    """Merge chunk files into one level file; return the failure messages (index: reason).

    Refuses chunks computed with different DFT settings, and stops when the failed fraction of
    the level exceeds ``max_failed_fraction``.
    """
    n = len(structures)
    parts: dict[str, list] = {k: [] for k in RECORD_FIELDS + ("index", "kmesh", "status", "reason")}
    forces_by_config: dict[int, np.ndarray] = {}
    stress, settings_json, level_name, versions, setups = [], None, None, set(), set()
    job_wall, job_dft_wall = 0.0, 0.0   # NaN once a chunk does not say (older chunk files)
    for path in chunk_paths:
        with open_h5(path, "label_chunk") as h5:
            if settings_json is None:
                settings_json, level_name = h5.attrs["settings_json"], h5.attrs["level"]
            elif h5.attrs["settings_json"] != settings_json:
                raise ValueError(
                    f"{path}: computed with DFT settings {h5.attrs['settings_json']} that differ "
                    f"from the other chunks of level {level_name} ({settings_json}); delete the "
                    "stale chunk files of this level and rerun.")
            index = h5["index"][()]
            counts = h5["n_atoms"][()]
            forces = h5["forces_eV_per_A"][()]
            starts = np.concatenate([[0], np.cumsum(counts)])
            for j, i in enumerate(index):
                forces_by_config[int(i)] = forces[starts[j]:starts[j + 1]]
            parts["index"].append(index)
            parts["kmesh"].append(h5["kmesh"][()])
            for name in RECORD_FIELDS:  # chunks of older versions lack cpu_time_s
                parts[name].append(h5[name][()] if name in h5 else np.full(len(index), np.nan))
            stress.append(h5["stress_eV_per_A3"][()])
            parts["status"] += read_strings(h5, "status")
            parts["reason"] += read_strings(h5, "reason")
            versions.update(v for v in read_strings(h5, "code_version") if v)
            setups.update(v for v in read_strings(h5, "setups") if v)
            job_wall += float(h5.attrs.get("job_wall_time_s", np.nan))
            job_dft_wall += float(h5.attrs.get("job_dft_wall_time_s", np.nan))
    index = np.concatenate(parts["index"])
    if sorted(index.tolist()) != list(range(n)):
        missing = sorted(set(range(n)) - set(index.tolist()))
        raise ValueError(f"level {level_name}: chunks do not cover configurations {missing[:10]}...")
    order = np.argsort(index)
    status = np.array(parts["status"])[order]
    reasons = np.array(parts["reason"])[order]
    for i in range(n):
        if len(forces_by_config[i]) != structures.n_atoms[i]:
            raise ValueError(f"level {level_name}, configuration {i}: {len(forces_by_config[i])} "
                             f"force rows for {structures.n_atoms[i]} atoms")
    failed = [f"configuration {i}: {reasons[i]}" for i in np.flatnonzero(status == STATUS_FAILED)]
    failed_fraction = len(failed) / max(n, 1)
    if failed_fraction > max_failed_fraction:
        raise RuntimeError(
            f"level {level_name}: {len(failed)} of {n} configurations failed ({failed_fraction:.1%} "
            f"> dft.max_failed_fraction {max_failed_fraction:.1%}):\n  " + "\n  ".join(failed[:20]))
    write_level_file(
        out, structures, settings=json.loads(settings_json), level=str(level_name),
        structures_hash=structures_hash,
        energy=np.concatenate(parts["energy_eV"])[order],
        energy_sigma0=np.concatenate(parts["energy_sigma0_eV"])[order],
        forces=np.concatenate([forces_by_config[i] for i in range(n)]),
        stress=np.concatenate(stress)[order],
        wall_time_s=np.concatenate(parts["wall_time_s"])[order],
        cpu_time_s=np.concatenate(parts["cpu_time_s"])[order],
        scf_iterations=np.concatenate(parts["scf_iterations"])[order],
        kmesh=np.concatenate(parts["kmesh"])[order], status=status, reasons=reasons,
        dft_code_versions=";".join(sorted(versions)), dft_setups=";".join(sorted(setups)),
        failed_fraction=failed_fraction, labelling_jobs_wall_time_s=job_wall,
        labelling_jobs_dft_wall_time_s=job_dft_wall)
    return failed
