"""qSNAP descriptors from LAMMPS ``compute snap``, in FitSNAP's row layout.

One configuration gives 1 energy row (bispectrum sums divided by the number of atoms), 3N force
rows in atom order x, y, z, and optionally 6 stress rows (FitSNAP's: virial / volume in bar,
xx yy zz yz xz xy, pressure sign). With ``bzeroflag 0`` a first column holds the intercept
(the fraction of atoms of the type in energy rows, 0 elsewhere), as FitSNAP writes it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms

from ..io.lammps import create_periodic_box, new_lammps
from ..io.storage import atomic_h5, open_h5, require_space, write_provenance

__all__ = [
    "NKTV2P_BAR", "REFERENCE_PAIR_STYLES", "check_reference_pair", "SnapSettings",
    "snapcoeff_text", "snapparam_text", "n_bispectrum", "ConfigRows", "SnapCalculator",
    "_WORKER_CALCULATOR", "iter_config_rows", "compute_descriptor_file", "rows_per_configuration",
    "part_ranges", "compute_descriptor_part", "DescriptorFile", "descriptor_settings",
    "cutoff_scales",
]

NKTV2P_BAR = 1.6021765e6  # LAMMPS metal units: eV/Å³ -> bar, as FitSNAP uses it
ROW_ENERGY, ROW_FORCE, ROW_STRESS = 0, 1, 2


# pair styles a reference potential may use: analytic ones and tabulated ones read from a file.
# Each line goes to LAMMPS as a command, and this LAMMPS runs `shell`, `python` and variable
# substitution, so nothing else is passed on.
REFERENCE_PAIR_STYLES = frozenset({
    "zbl", "lj/cut", "lj/smooth/linear", "morse", "born", "buck", "soft", "yukawa", "table",
    "eam", "eam/alloy", "eam/fs", "zero"})
_REFERENCE_WORD = re.compile(r"^[A-Za-z0-9_.*:/+-]+$")


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def check_reference_pair(lines) -> None:
    """Reject reference-potential lines LAMMPS would read as anything but a pair style of
    REFERENCE_PAIR_STYLES and its coefficients; the message names the line and the fix."""
    lines = list(lines)
    fix = (f"give one 'pair_style STYLE ARGS' line (STYLE one of {sorted(REFERENCE_PAIR_STYLES)}, "
           "or hybrid/overlay of them) and 'pair_coeff I J ARGS' lines of numbers, type ranges "
           "and file names")
    styles = []
    for line in lines:
        words = str(line).split()
        bad = [w for w in words if not _REFERENCE_WORD.match(w)]
        if not words or words[0] not in ("pair_style", "pair_coeff") or bad:
            why = (f"characters LAMMPS would interpret in {bad}" if bad and words
                   else "not a pair_style or pair_coeff line")
            raise ValueError(f"reference_pair line {line!r}: {why}; {fix}")
        if words[0] == "pair_style":
            named = words[1:2]
            if named and named[0] in ("hybrid", "hybrid/overlay"):
                named = [w for w in words[2:] if not _is_number(w)]   # its sub-styles
            refused = [w for w in named if w not in REFERENCE_PAIR_STYLES]
            if not named or refused:
                raise ValueError(f"reference_pair line {line!r}: pair style "
                                 f"{refused or 'missing'} not allowed; {fix}")
            styles.append(words[1])
    if lines and len(styles) != 1:
        raise ValueError(f"reference_pair {lines}: {len(styles)} pair_style lines; {fix}")


@dataclass(frozen=True)
class SnapSettings:
    """qSNAP descriptor settings, FitSNAP's names and meanings (cutoff 2·rcutfac·radelem Å)."""
    twojmax: int
    rcutfac: float = 4.812302818
    rfac0: float = 0.99363
    rmin0: float = 0.0
    wj: float = 1.0
    radelem: float = 0.5
    bzeroflag: int = 1
    quadraticflag: int = 1
    stress_rows: bool = False
    # LAMMPS pair_style/pair_coeff lines of a reference potential whose energy, forces and
    # stress are subtracted from the targets (FitSNAP's [REFERENCE]); empty: none.
    reference_pair: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        check_reference_pair(self.reference_pair)

    def as_dict(self) -> dict:
        """The settings as plain values (provenance, hashing)."""
        return asdict(self)

    @property
    def n_bispectrum(self) -> int:
        """Bispectrum components at this 2Jmax."""
        return n_bispectrum(self.twojmax)

    @property
    def n_columns(self) -> int:
        """Descriptor columns: the bispectrum, its pair products if quadratic, and a
        constant column unless bzeroflag."""
        k = self.n_bispectrum
        width = k + k * (k + 1) // 2 if self.quadraticflag else k
        return width + (0 if self.bzeroflag else 1)


def snapcoeff_text(element: str, settings: SnapSettings, coefs: np.ndarray) -> str:
    """LAMMPS ``pair_style snap`` coefficients: β0 first (0 when bzeroflag removed it)."""
    beta = np.concatenate([[0.0], coefs]) if settings.bzeroflag else np.asarray(coefs)
    lines = [f"# mlipcost fit generated on {datetime.datetime.now().isoformat(timespec='seconds')}",
             "", f"1 {len(beta)}", f"{element} {settings.radelem:.17g} {settings.wj:.17g}"]
    lines += [f"{value:.17g}  #  B[{i}]" for i, value in enumerate(beta)]
    return "\n".join(lines) + "\n"


def snapparam_text(settings: SnapSettings) -> str:
    """LAMMPS ``pair_style snap`` parameters of ``settings`` (one element, no chemflag)."""
    return "\n".join([
        "# required", f"rcutfac {settings.rcutfac:.17g}", f"twojmax {settings.twojmax}", "",
        "# optional", f"rfac0 {settings.rfac0:.17g}", f"rmin0 {settings.rmin0:.17g}",
        f"bzeroflag {settings.bzeroflag}", f"quadraticflag {settings.quadraticflag}",
        "wselfallflag 0", "chemflag 0", "bnormflag 0", ""])


def n_bispectrum(twojmax: int) -> int:
    """Number of bispectrum components B_{j1 j2 j} for one element (LAMMPS's ordering)."""
    count = 0
    for j1 in range(twojmax + 1):
        for j2 in range(j1 + 1):
            for j in range(j1 - j2, min(twojmax, j1 + j2) + 1, 2):
                if j >= j1:
                    count += 1
    return count


@dataclass
class ConfigRows:
    """One configuration's descriptor rows (FitSNAP's layout: energy, 3N forces, 6 stresses)."""
    a: np.ndarray          # (rows, n_columns) unweighted
    reference: np.ndarray  # (rows,) reference-potential part of each row's target
    row_type: np.ndarray   # (rows,) ROW_ENERGY / ROW_FORCE / ROW_STRESS
    atom: np.ndarray       # (rows,) atom index of force rows, -1 otherwise
    rotation: np.ndarray   # (3, 3) into LAMMPS's frame: forces_lammps = forces @ rotation


class SnapCalculator:
    """One LAMMPS instance, reused for every configuration (``clear`` between them)."""

    def __init__(self, settings: SnapSettings, element: str):
        self.settings = settings
        self.element = element
        self.lmp = new_lammps()
        if not self.lmp.has_package("ML-SNAP"):
            raise RuntimeError("this LAMMPS build has no ML-SNAP package (compute snap)")

    def close(self) -> None:
        """Close the LAMMPS instance."""
        self.lmp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _compute_args(self) -> str:
        s = self.settings
        return (f"{s.rcutfac:.17g} {s.rfac0:.17g} {s.twojmax} {s.radelem:.17g} {s.wj:.17g} "
                f"rmin0 {s.rmin0:.17g} bzeroflag {s.bzeroflag} quadraticflag {s.quadraticflag}")

    def _setup(self, atoms: Atoms, compute: str) -> tuple[np.ndarray, np.ndarray]:
        s = self.settings
        cmd = self.lmp.command
        cmd("clear")
        rotation, lammps_cell = create_periodic_box(self.lmp, atoms)
        rcut = 2.0 * s.rcutfac * s.radelem
        if s.reference_pair:
            for line in s.reference_pair:
                cmd(line)
        else:
            cmd(f"pair_style zero {rcut + 1e-6:.10g}")
            cmd("pair_coeff * *")
        cmd("neighbor 1.0e-20 nsq")
        cmd("neigh_modify one 10000")
        cmd(compute)
        cmd("thermo_style custom step pe")
        cmd("run 0")
        return rotation, lammps_cell

    def per_atom(self, atoms: Atoms) -> np.ndarray:
        """Per-atom bispectrum components B_i (n_atoms × K), from compute sna/atom."""
        lammps = __import__("lammps")
        self._setup(atoms, f"compute sna all sna/atom {self._compute_args()}")
        values = self.lmp.numpy.extract_compute("sna", lammps.LMP_STYLE_ATOM, lammps.LMP_TYPE_ARRAY)
        return np.array(values[: len(atoms)], copy=True)

    def compute(self, atoms: Atoms) -> ConfigRows:
        """The rows of ``atoms``: per-atom bispectrum sums (energy row), their negative
        gradients (force rows, 1/Å, in LAMMPS's frame: ``rotation`` takes them back) and, with
        ``stress_rows``, the virial rows (bar).
        """
        lammps = __import__("lammps")
        s = self.settings
        rotation, lammps_cell = self._setup(atoms, f"compute snap all snap {self._compute_args()}")
        n = len(atoms)
        snap = np.array(self.lmp.numpy.extract_compute("snap", lammps.LMP_STYLE_GLOBAL,
                                                       lammps.LMP_TYPE_ARRAY), copy=True)
        k = snap.shape[1] - 1
        n_rows = 1 + 3 * n + (6 if s.stress_rows else 0)
        a = np.zeros((n_rows, s.n_columns))
        ref = np.zeros(n_rows)
        col = 0 if s.bzeroflag else 1
        a[0, col:] = snap[0, :k] / n
        ref[0] = snap[0, k] / n
        if not s.bzeroflag:
            a[0, 0] = 1.0
        a[1:1 + 3 * n, col:] = snap[1:1 + 3 * n, :k]
        ref[1:1 + 3 * n] = snap[1:1 + 3 * n, k]
        if s.stress_rows:
            volume = abs(np.linalg.det(lammps_cell))
            a[1 + 3 * n:, col:] = NKTV2P_BAR * snap[1 + 3 * n:1 + 3 * n + 6, :k] / volume
            ref[1 + 3 * n:] = snap[1 + 3 * n:1 + 3 * n + 6, k]
        if not np.all(np.isfinite(a)):
            raise ValueError("compute snap returned non-finite values")
        row_type = np.full(n_rows, ROW_FORCE, dtype=np.int8)
        row_type[0] = ROW_ENERGY
        atom = np.full(n_rows, -1, dtype=np.int32)
        atom[1:1 + 3 * n] = np.repeat(np.arange(n), 3)
        if s.stress_rows:
            row_type[1 + 3 * n:] = ROW_STRESS
        return ConfigRows(a, ref, row_type, atom, rotation)


_WORKER_CALCULATOR: SnapCalculator | None = None


def _start_worker(settings: SnapSettings, element: str) -> None:
    global _WORKER_CALCULATOR
    _WORKER_CALCULATOR = SnapCalculator(settings, element)


def _worker_compute(batch: list[Atoms]) -> list[ConfigRows]:
    return [_WORKER_CALCULATOR.compute(atoms) for atoms in batch]


def iter_config_rows(structures, settings: SnapSettings, element: str, workers: int = 1):
    """ConfigRows of every configuration, in order; ``workers`` > 1 spreads them over that many
    processes, each with its own LAMMPS (configurations are independent, as in FitSNAP's MPI)."""
    n = len(structures)
    batch = max(1, min(16, n // (2 * max(workers, 1))))  # at least two batches per worker
    if workers <= 1 or n < 2 * workers:
        with SnapCalculator(settings, element) as calc:
            for i in range(n):
                yield calc.compute(structures.atoms(i))
        return
    batches = ([structures.atoms(i) for i in range(start, min(start + batch, n))]
               for start in range(0, n, batch))
    context = multiprocessing.get_context("spawn")  # a forked LAMMPS/MPI state is not safe
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(settings, element)) as pool:
        for rows in pool.map(_worker_compute, batches):
            yield from rows


def _block_ranges(rows_per_config: np.ndarray, computed: np.ndarray, block_rows: int):
    """Consecutive runs of ``computed`` configurations holding about ``block_rows`` rows each:
    the units a killed descriptors job resumes from."""
    ranges, lo, rows = [], 0, 0
    for j, i in enumerate(computed):
        rows += int(rows_per_config[i])
        if rows >= block_rows or j == len(computed) - 1:
            ranges.append((lo, j + 1))
            lo, rows = j + 1, 0
    return ranges


def _part_key(structures, configs: np.ndarray, settings: SnapSettings, element: str) -> str:
    """A part file's name: its configurations (atoms, cells) and the descriptor settings, so a
    part from other settings or another set is never taken."""
    digest = hashlib.sha256(json.dumps([settings.as_dict(), element], sort_keys=True,
                                       default=str).encode())
    for i in configs:
        lo, hi = structures.offsets[i], structures.offsets[i + 1]
        for array in (structures.numbers[lo:hi], structures.positions[lo:hi], structures.cells[i]):
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def _compute_part(path: Path, structures, configs: np.ndarray, settings: SnapSettings,
                  element: str, workers: int) -> None:
    from ..structures.configurations import subset

    keep = np.zeros(len(structures), bool)
    keep[configs] = True
    rows = list(iter_config_rows(subset(structures, keep), settings, element, workers))
    a = np.concatenate([r.a for r in rows])
    with atomic_h5(path, expected_bytes=a.nbytes * 2) as h5:
        h5.create_dataset("A", data=a)
        h5.create_dataset("reference", data=np.concatenate([r.reference for r in rows]))
        h5.create_dataset("row_type", data=np.concatenate([r.row_type for r in rows]))
        h5.create_dataset("row_atom", data=np.concatenate([r.atom for r in rows]))
        h5.create_dataset("rotation", data=np.array([r.rotation for r in rows]))


def compute_descriptor_file(structures, settings: SnapSettings, element: str, out: Path,
                            stage_settings: dict, block_rows: int = 65536, workers: int = 1,
                            log=print, skip: np.ndarray | None = None,
                            part_of: tuple[int, int] | None = None) -> None:
    """Write ``A`` (unweighted, FitSNAP rows) for every configuration, block by block.

    Each block of configurations (about ``block_rows`` rows) is first committed to a part file
    beside ``out`` (``.<name>.parts/``), so a killed job resumes from its last finished block;
    the parts are copied into ``out`` and removed when all are done.

    Configurations flagged in ``skip`` (rejected by the structure checks) never reach LAMMPS:
    they get no rows, an identity rotation and a NaN energy row.

    Datasets: ``A`` (rows × columns), ``reference`` (rows), ``row_type``, ``row_atom``,
    ``row_offsets`` (n_configs + 1), ``rotation`` (n_configs × 3 × 3; labels rotate with it),
    ``energy_rows`` (n_configs × columns: each configuration's energy row again, so that the
    analysis never scans ``A`` for them).

    ``part_of`` = (first configuration, configurations in the whole set) marks the file as one
    part of a scattered descriptor computation (``compute_descriptor_part``).
    """
    out = Path(out)
    n_configs = len(structures)
    skip = np.zeros(n_configs, bool) if skip is None else np.asarray(skip, bool)
    computed = np.flatnonzero(~skip)
    rows_per_config = rows_per_configuration(structures, settings, skip)
    row_offsets = np.concatenate([[0], np.cumsum(rows_per_config)])
    total = int(row_offsets[-1])
    expected_bytes = 8 * total * (settings.n_columns + 2) + 8 * n_configs * (9 + settings.n_columns)
    require_space(out, 2 * expected_bytes)   # the parts, then the file they are copied into
    parts_dir = out.with_name(f".{out.name}.parts")
    parts, resumed = [], 0
    for b, (lo, hi) in enumerate(_block_ranges(rows_per_config, computed, block_rows)):
        configs = computed[lo:hi]
        part = parts_dir / f"part{b:06d}_{_part_key(structures, configs, settings, element)}.h5"
        if part.exists():
            resumed += 1
        else:
            _compute_part(part, structures, configs, settings, element, workers)
        parts.append((configs, part))
    if resumed:
        log(f"resumed: {resumed} of {len(parts)} blocks were computed by an earlier run")
    with atomic_h5(out, expected_bytes=expected_bytes) as h5:
        chunk_rows = max(1, min(block_rows, total))
        dset = h5.create_dataset("A", shape=(total, settings.n_columns), dtype="f8",
                                 chunks=(min(chunk_rows, 4096), settings.n_columns))
        ref = h5.create_dataset("reference", shape=(total,), dtype="f8")
        rtype = h5.create_dataset("row_type", shape=(total,), dtype="i1")
        ratom = h5.create_dataset("row_atom", shape=(total,), dtype="i4")
        rot = h5.create_dataset("rotation", shape=(n_configs, 3, 3), dtype="f8")
        energy = h5.create_dataset("energy_rows", shape=(n_configs, settings.n_columns),
                                   dtype="f8")
        for i in np.flatnonzero(skip):
            rot[i], energy[i] = np.eye(3), np.nan
        for configs, part in parts:
            start, stop = int(row_offsets[configs[0]]), int(row_offsets[configs[-1] + 1])
            with open_h5(part, "descriptors (a block of it)") as src:
                a = src["A"][()]
                dset[start:stop] = a
                ref[start:stop] = src["reference"][()]
                rtype[start:stop] = src["row_type"][()]
                ratom[start:stop] = src["row_atom"][()]
                # configurations ascend, as h5py's index lists must
                rot[configs] = src["rotation"][()]
                energy[configs] = a[row_offsets[configs] - start]
        h5.create_dataset("row_offsets", data=row_offsets)
        dset.attrs["unit"] = ("energy rows: per-atom bispectrum sums (1/atom); force rows: 1/Å; "
                              "stress rows: bar")
        write_provenance(h5, "descriptors", stage_settings, twojmax=settings.twojmax,
                         n_columns=settings.n_columns, bzeroflag=settings.bzeroflag,
                         quadraticflag=settings.quadraticflag,
                         **({} if part_of is None else {"first_config": part_of[0],
                                                        "n_configs_total": part_of[1]}))
        log(f"2Jmax {settings.twojmax}: {total} rows x {settings.n_columns} columns"
            + (f"; {int(skip.sum())} rejected configurations skipped" if skip.any() else ""))
    shutil.rmtree(parts_dir, ignore_errors=True)


def rows_per_configuration(structures, settings: SnapSettings, skip: np.ndarray) -> np.ndarray:
    """Descriptor rows of each configuration: energy, 3N forces, the stresses if stored; none
    for a configuration the structure checks rejected (``skip``)."""
    return np.where(skip, 0, 1 + 3 * structures.n_atoms + (6 if settings.stress_rows else 0))


def part_ranges(rows_per_config: np.ndarray, n_parts: int) -> list[tuple[int, int]]:
    """``n_parts`` contiguous configuration ranges [lo, hi) with about equal rows each (no part
    empty while there are at least as many configurations as parts)."""
    n = len(rows_per_config)
    n_parts = max(1, min(int(n_parts), n))
    cumulative = np.cumsum(rows_per_config, dtype=float)
    total = cumulative[-1] if n else 0.0
    bounds = [0]
    for k in range(1, n_parts):
        cut = int(np.searchsorted(cumulative, total * k / n_parts, side="left")) + 1
        bounds.append(min(max(cut, bounds[-1] + 1), n - (n_parts - k)))
    bounds.append(n)
    return list(zip(bounds[:-1], bounds[1:]))


def compute_descriptor_part(structures, settings: SnapSettings, element: str, out: Path,
                            stage_settings: dict, part: int, n_parts: int, workers: int = 1,
                            log=print, skip: np.ndarray | None = None) -> None:
    """Part ``part`` of ``n_parts`` of the descriptor file: the same datasets for a contiguous
    range of configurations (``part_ranges`` over their row counts), with ``first_config`` and
    ``n_configs_total`` attributes; ``DescriptorFile`` reads the parts in order as one file."""
    from ..structures.configurations import subset

    n_configs = len(structures)
    skip = np.zeros(n_configs, bool) if skip is None else np.asarray(skip, bool)
    if n_parts > n_configs:
        raise ValueError(f"descriptors.parts {n_parts} exceeds the {n_configs} configurations; "
                         "lower it")
    lo, hi = part_ranges(rows_per_configuration(structures, settings, skip), n_parts)[part]
    keep = np.zeros(n_configs, bool)
    keep[lo:hi] = True
    compute_descriptor_file(subset(structures, keep), settings, element, out, stage_settings,
                            workers=workers, log=log, skip=skip[lo:hi], part_of=(lo, n_configs))
    log(f"part {part + 1} of {n_parts}: configurations {lo}–{hi - 1}")


class DescriptorFile:
    """A descriptor file, or the parts of one in order: row metadata in memory, rows of ``A``
    read on demand.

    ``A`` itself may not fit in memory (20,000 configurations of 50 atoms at 2Jmax 6: 12 GB), so
    nothing here reads it whole, and scattered parts are never concatenated into one file.
    """

    def __init__(self, path, max_read_rows: int = 32768):
        paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
        self.path = paths[0] if len(paths) == 1 else paths[0].parent
        self.paths = paths
        meta = [self._read_meta(p) for p in paths]
        expected_first, n_total = 0, None
        for p, m in zip(paths, meta):
            first, total = m["first_config"], m["n_configs_total"]
            if first != expected_first or (n_total is not None and total != n_total):
                raise ValueError(f"{p}: starts at configuration {first} of {total}, expected "
                                 f"{expected_first} of {n_total or total}: the descriptor parts "
                                 "are not one set in order; delete them and rerun the descriptors "
                                 "rule")
            if (m["twojmax"], m["n_columns"]) != (meta[0]["twojmax"], meta[0]["n_columns"]):
                raise ValueError(f"{p}: 2Jmax {m['twojmax']} ({m['n_columns']} columns) differs "
                                 f"from {paths[0]}'s; delete the parts and rerun")
            expected_first, n_total = first + len(m["rotation"]), total
        if expected_first != n_total:
            raise ValueError(f"{paths[-1]}: the parts end at configuration {expected_first} of "
                             f"{n_total}; a part is missing")
        self.reference = np.concatenate([m["reference"] for m in meta])
        self.row_type = np.concatenate([m["row_type"] for m in meta])
        self.rotation = np.concatenate([m["rotation"] for m in meta])
        self.energy_rows = np.concatenate([m["energy_rows"] for m in meta])
        row_starts = np.cumsum([0] + [int(m["row_offsets"][-1]) for m in meta])
        self.row_offsets = np.concatenate(
            [[0]] + [m["row_offsets"][1:] + start for m, start in zip(meta, row_starts)])
        # configuration -> (part, first configuration of the part, first row of the part)
        self._config_starts = np.array([m["first_config"] for m in meta] + [n_total])
        self._row_starts = row_starts
        self.twojmax = meta[0]["twojmax"]
        self.n_columns = meta[0]["n_columns"]
        self.max_read_rows = max_read_rows

    @staticmethod
    def _read_meta(path: Path) -> dict:
        if not path.exists():
            raise FileNotFoundError(f"descriptor file not found: {path} "
                                    "(run the 'descriptors' rule)")
        with open_h5(path, "descriptors") as h5:
            if "energy_rows" not in h5:
                raise ValueError(f"{path} has no 'energy_rows' (written by an older "
                                 "mlipcost): delete it and rerun the descriptors rule")
            rotation = h5["rotation"][()]
            return {"reference": h5["reference"][()], "row_type": h5["row_type"][()],
                    "row_offsets": h5["row_offsets"][()], "rotation": rotation,
                    "energy_rows": h5["energy_rows"][()], "twojmax": int(h5.attrs["twojmax"]),
                    "n_columns": int(h5["A"].shape[1]),
                    "first_config": int(h5.attrs.get("first_config", 0)),
                    "n_configs_total": int(h5.attrs.get("n_configs_total", len(rotation)))}

    def __len__(self) -> int:
        return len(self.row_offsets) - 1

    def rows(self, i: int) -> slice:
        """The row range of configuration ``i`` in ``A``."""
        return slice(int(self.row_offsets[i]), int(self.row_offsets[i + 1]))

    def read(self, configs) -> list[np.ndarray]:
        """All rows of each configuration in ``configs`` (any order), reading runs of
        configurations of one part in one go, gaps of up to a chunk included (h5py decompresses
        a whole chunk at each read that touches it: a random half of the configurations, read
        run by run, decompressed each chunk ~12 times)."""
        configs = np.asarray(configs, dtype=int)
        out: list[np.ndarray | None] = [None] * len(configs)
        order = np.argsort(configs, kind="stable")
        ordered = configs[order]
        offsets = self.row_offsets
        part_of = np.searchsorted(self._config_starts, ordered, side="right") - 1
        for part in np.unique(part_of):
            mine = np.flatnonzero(part_of == part)
            base = self._row_starts[part]
            with open_h5(self.paths[part], "descriptors") as h5:
                dset = h5["A"]
                gap = dset.chunks[0] if dset.chunks else 0
                start = 0
                while start < len(mine):
                    first, stop = ordered[mine[start]], start + 1
                    while (stop < len(mine)
                           and offsets[ordered[mine[stop]]] - offsets[ordered[mine[stop - 1]] + 1]
                           <= gap
                           and offsets[ordered[mine[stop]] + 1] - offsets[first]
                           <= self.max_read_rows):
                        stop += 1
                    low = int(offsets[first])
                    span = dset[low - base:int(offsets[ordered[mine[stop - 1]] + 1]) - base]
                    for j in mine[start:stop]:
                        c = ordered[j]
                        out[order[j]] = span[offsets[c] - low:offsets[c + 1] - low]
                    start = stop
        return out


def descriptor_settings(descriptors: dict, twojmax: int) -> SnapSettings:
    """SnapSettings of ``twojmax`` from the config's ``descriptors`` section (a list of
    rcutfac: its first, the study's cutoff)."""
    keys = ("rfac0", "rmin0", "wj", "radelem", "bzeroflag", "quadraticflag", "stress_rows")
    values = {k: descriptors[k] for k in keys if k in descriptors}
    if "rcutfac" in descriptors:
        values["rcutfac"] = cutoff_scales(descriptors)[0]
    return SnapSettings(twojmax=int(twojmax), **values,
                        reference_pair=tuple(descriptors.get("reference_pair", ())))


def cutoff_scales(descriptors: dict) -> list[float]:
    """The rcutfac values of a ``descriptors`` section: the study's first, then the cutoff
    axis's others."""
    value = descriptors.get("rcutfac", SnapSettings.rcutfac)
    return [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
