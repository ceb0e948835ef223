"""A standalone SNAP fit that reads FitSNAP input files and writes LAMMPS-loadable potentials.

Supported: [BISPECTRUM] (one element), [CALCULATOR] energy/force/stress, [ESHIFT], [REFERENCE]
(pair_style lines subtracted from the targets), [SOLVER] SVD, [GROUPS] with
training_size/testing_size fractions and eweight/fweight/vweight, [OUTFILE]. Groups come from
``atoms.info['group']``. Stress targets use FitSNAP's units: bar, pressure sign.
"""

from __future__ import annotations

import configparser
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..descriptors.snap import (NKTV2P_BAR, ROW_ENERGY, ROW_FORCE, ROW_STRESS, SnapSettings,
                                snapcoeff_text, snapparam_text)
from ..io.lammps import rotate_stress_voigt
from ..io.storage import write_text
from ..io.trajectories import read_frames


@dataclass
class Group:
    """One FitSNAP group: its training and testing fractions, energy, force and stress weights."""
    training_size: float
    testing_size: float
    eweight: float
    fweight: float
    vweight: float


@dataclass
class FitsnapInput:
    """What mlipcost reads of a FitSNAP input file."""
    element: str
    settings: SnapSettings
    groups: dict[str, Group]
    eshift: float = 0.0
    use_energy: bool = True
    use_force: bool = True
    use_stress: bool = False
    potential_name: str = "pot"
    extra: dict = field(default_factory=dict)


def read_fitsnap_input(path: str | Path) -> FitsnapInput:
    """Parse FitSNAP's input file ``path``; unsupported settings are named, not ignored."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"FitSNAP input not found: {path}")
    parser = configparser.ConfigParser(inline_comment_prefixes=("#",))
    parser.optionxform = str
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as err:
        reason = str(err).splitlines()[0]
        raise ValueError(f"{path}: not a FitSNAP input file ({reason}); give the .in file with "
                         "its [BISPECTRUM] and [GROUPS] sections") from None
    for section, keys in REQUIRED.items():
        if not parser.has_section(section):
            raise ValueError(f"{path}: no [{section}] section; a FitSNAP input needs "
                             f"[{section}] with {', '.join(keys)}")
        missing = [k for k in keys if k not in parser[section]]
        if missing:
            raise ValueError(f"{path}: [{section}] lacks {', '.join(missing)}; add them (see "
                             "FitSNAP's input documentation)")
    try:
        return _parse_fitsnap_input(path, parser)
    except (ValueError, KeyError) as err:
        if isinstance(err, ValueError) and str(err).startswith(str(path)):
            raise
        raise ValueError(f"{path}: a value FitSNAP's input format does not allow ({err}); "
                         "correct it") from None


REQUIRED = {"BISPECTRUM": ("type", "twojmax", "rcutfac", "rfac0"), "GROUPS": ("group_sections",)}


def _parse_fitsnap_input(path: Path, parser: configparser.ConfigParser) -> FitsnapInput:
    bisp = parser["BISPECTRUM"]
    if int(bisp.get("numTypes", "1")) != 1:
        raise ValueError(f"{path}: [BISPECTRUM] numTypes {bisp['numTypes']}: only one element "
                         "is supported")
    for key in ("chemflag", "wselfallflag", "bnormflag"):
        if int(float(bisp.get(key, "0"))) != 0:
            raise ValueError(f"{path}: [BISPECTRUM] {key} = {bisp[key]} is not supported")
    solver = parser.get("SOLVER", "solver", fallback="SVD")
    if solver.upper() != "SVD":
        raise ValueError(f"{path}: [SOLVER] solver = {solver}: only SVD is supported")
    calc = parser["CALCULATOR"] if parser.has_section("CALCULATOR") else {}
    use_stress = bool(int(calc.get("stress", "0")))
    reference = []
    if parser.has_section("REFERENCE"):
        ref = parser["REFERENCE"]
        if ref.get("units", "metal") != "metal":
            raise ValueError(f"{path}: [REFERENCE] units must be metal")
        if "pair_style" in ref:
            reference.append(f"pair_style {ref['pair_style']}")
            reference += [f"pair_coeff {ref[k]}" for k in sorted(ref) if k.startswith("pair_coeff")]
    element = bisp["type"].split()[0]
    def number(key, cast, default=None):
        text = bisp.get(key, default)
        try:
            return cast(text)
        except ValueError:
            raise ValueError(f"{path}: [BISPECTRUM] {key} = {text!r} is not "
                             f"{'an integer' if cast is int else 'a number'}; correct it") from None

    settings = SnapSettings(
        twojmax=number("twojmax", int), rcutfac=number("rcutfac", float),
        rfac0=number("rfac0", float), rmin0=number("rmin0", float, "0"),
        wj=number("wj", float, "1"), radelem=number("radelem", float, "0.5"),
        bzeroflag=number("bzeroflag", int, "0"), quadraticflag=number("quadraticflag", int, "0"),
        stress_rows=use_stress, reference_pair=tuple(reference))
    groups = {}
    reserved = {"group_sections", "group_types", "smartweights", "random_sampling", "BOLTZT"}
    sections = parser.get("GROUPS", "group_sections").split()
    if int(parser.get("GROUPS", "smartweights", fallback="0")) or int(
            parser.get("GROUPS", "random_sampling", fallback="0")):
        raise ValueError(f"{path}: [GROUPS] smartweights and random_sampling must be 0")
    for name, value in parser["GROUPS"].items():
        if name in reserved:
            continue
        fields = dict(zip(sections[1:], value.split()))
        groups[name] = Group(float(fields["training_size"]), float(fields["testing_size"]),
                             float(fields.get("eweight", 1)), float(fields.get("fweight", 1)),
                             float(fields.get("vweight", 1)))
    eshift = float(parser.get("ESHIFT", element, fallback="0"))
    name = parser.get("OUTFILE", "potential", fallback="pot")
    return FitsnapInput(element, settings, groups, eshift, bool(int(calc.get("energy", "1"))),
                        bool(int(calc.get("force", "1"))), use_stress, name)


@dataclass
class ConfigSystem:
    """One configuration's rows of FitSNAP's weighted linear system."""
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    kind: np.ndarray      # ROW_ENERGY / ROW_FORCE / ROW_STRESS
    group: str
    train: bool


class _Frames:
    """Frames seen as the structures ``iter_config_rows`` reads (geometry only travels)."""

    def __init__(self, frames):
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def atoms(self, i: int):
        atoms = self.frames[i].copy()
        atoms.calc = None
        return atoms


def config_systems(spec: FitsnapInput, frames, workers: int = 1):
    """FitSNAP's A, b, w of each configuration, in file order, its descriptors computed by
    ``workers`` LAMMPS processes."""
    from ..descriptors.snap import iter_config_rows

    counts: dict[str, int] = {}
    for index, atoms in enumerate(frames):
        name = atoms.info.get("group")
        if name not in spec.groups:
            raise ValueError(f"configuration {index}: group {name!r} is not in [GROUPS]")
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    rows_of = iter_config_rows(_Frames(frames), spec.settings, spec.element, workers)
    for atoms, rows in zip(frames, rows_of):
        name = atoms.info["group"]
        g = spec.groups[name]
        position = seen.get(name, 0)
        seen[name] = position + 1
        n_train = int(g.training_size * counts[name]) if g.training_size <= 1 else int(g.training_size)
        n = len(atoms)
        target = np.zeros(len(rows.a))
        energy = atoms.get_potential_energy() - spec.eshift * n
        target[0] = energy / n - rows.reference[0]
        forces = atoms.get_forces() @ rows.rotation
        target[1:1 + 3 * n] = forces.ravel() - rows.reference[1:1 + 3 * n]
        weights = np.where(rows.row_type == ROW_ENERGY, g.eweight,
                           np.where(rows.row_type == ROW_FORCE, g.fweight, g.vweight))
        if spec.settings.stress_rows:
            try:
                stress = atoms.get_stress(voigt=True)
            except Exception:  # configurations without stress have zero stress in FitSNAP
                stress = np.zeros(6)
            bar = -NKTV2P_BAR * rotate_stress_voigt(stress, rows.rotation)
            target[1 + 3 * n:] = bar - rows.reference[1 + 3 * n:]
        keep = np.ones(len(rows.a), bool)
        keep[rows.row_type == ROW_ENERGY] = spec.use_energy
        keep[rows.row_type == ROW_FORCE] = spec.use_force
        yield ConfigSystem(rows.a[keep], target[keep], weights[keep], rows.row_type[keep], name,
                           position < n_train)


KIND_NAMES = {ROW_ENERGY: "Energy", ROW_FORCE: "Force", ROW_STRESS: "Stress"}


class _Spill:
    """Rows written to a scratch folder in blocks and read back once (the metrics pass), so
    that memory holds one block, not the matrix."""

    def __init__(self, folder: Path, block_rows: int = 16384):
        self.folder, self.block_rows = folder, block_rows
        self.pending: list[ConfigSystem] = []
        self.n_pending = 0
        self.blocks: list[Path] = []

    def add(self, system: ConfigSystem) -> None:
        self.pending.append(system)
        self.n_pending += len(system.a)
        if self.n_pending >= self.block_rows:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        path = self.folder / f"block{len(self.blocks):06d}.npz"
        np.savez(path, a=np.vstack([s.a for s in self.pending]),
                 b=np.concatenate([s.b for s in self.pending]),
                 w=np.concatenate([s.w for s in self.pending]),
                 kind=np.concatenate([s.kind for s in self.pending]),
                 group=np.concatenate([np.full(len(s.a), s.group) for s in self.pending]),
                 train=np.concatenate([np.full(len(s.a), s.train) for s in self.pending]))
        self.blocks.append(path)
        self.pending, self.n_pending = [], 0

    def __iter__(self):
        self.flush()
        for path in self.blocks:
            with np.load(path) as block:
                yield {k: block[k] for k in block.files}


def fit_streamed(spec: FitsnapInput, frames, workers: int = 1,
                 scratch: Path | None = None) -> tuple[np.ndarray, dict]:
    """FitSNAP's SVD solve (``lstsq`` with its cutoff) of the weighted training rows and the
    metrics, the rows folded into an R factor as their descriptors arrive: memory is bounded by
    the columns, not the rows (the rows wait for the metrics pass in ``scratch``)."""
    import tempfile

    from .fit import LSTSQ_COND
    from .linalg import StreamingR, triangular_lstsq

    k = spec.settings.n_columns
    stream = StreamingR(k + 1)
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".mlipcost-fit-") as folder:
        spill = _Spill(Path(folder))
        for system in config_systems(spec, frames, workers):
            if system.train:
                stream.add(system.w[:, None] * system.a, (system.w * system.b)[:, None])
            spill.add(system)
        coefs = triangular_lstsq(stream.r, k, LSTSQ_COND)[:, 0]
        sums: dict[tuple, np.ndarray] = {}
        for block in spill:
            residual = block["a"] @ coefs - block["b"]
            weighted = block["w"] * residual
            for subset, mask in (("Train", block["train"]), ("Test", ~block["train"])):
                for group in ["*ALL", *np.unique(block["group"])]:
                    gmask = mask if group == "*ALL" else mask & (block["group"] == group)
                    for code in KIND_NAMES:
                        sel = gmask & (block["kind"] == code)
                        if sel.any():
                            key = (subset, str(group), code)
                            part = np.array([sel.sum(), np.abs(residual[sel]).sum(),
                                             (residual[sel] ** 2).sum(),
                                             np.abs(weighted[sel]).sum(),
                                             (weighted[sel] ** 2).sum()])
                            sums[key] = sums.get(key, 0) + part
    return coefs, _metrics(sums)


def _metrics(sums: dict[tuple, np.ndarray]) -> dict:
    """RMSE and MAE per group and over all, train and test, unweighted and weighted, in
    FitSNAP's units (energy eV/atom, force eV/Å, stress bar), in FitSNAP's order."""
    out = {}
    groups = sorted({g for _, g, _ in sums} - {"*ALL"})
    for subset in ("Train", "Test"):
        for group in ["*ALL", *groups]:
            for code, label in KIND_NAMES.items():
                if (subset, group, code) not in sums:
                    continue
                n, abs_u, sq_u, abs_w, sq_w = sums[(subset, group, code)]
                for weighting, total_abs, total_sq in (("Unweighted", abs_u, sq_u),
                                                       ("Weighted", abs_w, sq_w)):
                    out[f"{subset}|{group}|{weighting}|{label}"] = {
                        "ncount": int(n), "mae": float(total_abs / n),
                        "rmse": float(np.sqrt(total_sq / n))}
    return out


def run_fitsnap_input(input_path: str | Path, data_path: str | Path, out_dir: str | Path,
                      workers: int = 1) -> dict:
    """Fit SNAP from a FitSNAP input file and an extxyz (.gz) of its groups; write the
    ``.snapcoeff``, ``.snapparam`` and ``metrics.json`` to ``out_dir``. ``workers`` LAMMPS
    processes compute the descriptors.
    """
    spec = read_fitsnap_input(input_path)
    data_path = Path(data_path)
    if not data_path.exists():
        raise FileNotFoundError(f"training data not found: {data_path}")
    frames = read_frames(data_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    coefs, result = fit_streamed(spec, frames, workers, scratch=out_dir)
    write_text(out_dir / f"{spec.potential_name}.snapcoeff",
               snapcoeff_text(spec.element, spec.settings, coefs))
    write_text(out_dir / f"{spec.potential_name}.snapparam", snapparam_text(spec.settings))
    write_text(out_dir / "metrics.json", json.dumps(result, indent=1))
    return {"coefficients": coefs, "metrics": result, "spec": spec}
