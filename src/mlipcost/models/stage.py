"""The fit stage: leverage scores, the qSNAP sweep over sizes, samplers, weights and levels,
whole-half fits, MD speed, the model-family tables.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.tables import model_complexity_table, trained_level_tables, write_table
from ..config import table_weights, whole_half_weights
from ..descriptors.snap import DescriptorFile, descriptor_settings
from ..dft.costs import configuration_costs
from ..dft.labels import analysis_set
from ..io.storage import (atomic_path, json_dump, read_csv, read_result_tables,
                          verify_content, write_csv)
from .fit import (SetStats, augmented_r, build_fit_data, fit_sweep, leverage_scores,
                  residual_correlation, solve, sweep_halves, whole_half_fits)
from .md import md_speed, pair_snap_mismatch, write_potential


def load_fit_problem(structures_path: Path, descriptor_path: Path, label_paths: list[Path]):
    """(structures, labels, descriptor file, fit data, training and test configurations): what
    every fitting stage starts from."""
    structures, labels, use = analysis_set(structures_path, label_paths)
    desc = DescriptorFile(descriptor_path)
    data = build_fit_data(desc, labels, use)
    is_train = structures.is_train[data.config_index]
    return structures, labels, desc, data, np.flatnonzero(is_train), np.flatnonzero(~is_train)


def _sweep_problem(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                   leverage_path: Path, config: dict, log=print):
    """(labels, descriptor file, fit data, train, test, leverage scores, training sizes) of a
    sweep; sizes beyond the training half are an error, or clamped when the config says so."""
    structures, labels, desc, data, train, test = load_fit_problem(
        structures_path, descriptor_path, label_paths)
    lev = read_csv(leverage_path).set_index("config_index").loc[data.config_index[train]]
    fit = config["fit"]
    scores = {"leverage": lev["leverage"].to_numpy(),
              "block_leverage": lev["block_leverage"].to_numpy()}
    sizes = [int(n) for n in fit["training_sizes"]]
    too_big = [n for n in sizes if n > len(train)]
    if too_big:
        in_split = int((structures.is_train & ~structures.is_bulk_reference).sum())
        message = (f"fit.training_sizes {too_big} exceed the {len(train)} training configurations "
                   f"labelled at every level ({in_split} in the split, {in_split - len(train)} "
                   "rejected or failed)")
        if not fit.get("clamp_training_sizes", False):
            raise ValueError(f"{message}: lower them, add configurations, or set "
                             "fit.clamp_training_sizes: true to fit them at that many")
        log(f"clamped: {message}; fitted at {len(train)}")
        sizes = sorted({min(n, len(train)) for n in sizes})
    return labels, desc, data, train, test, scores, sizes


def write_sweep_halves(halves: dict[str, SetStats], data, train: np.ndarray, test: np.ndarray,
                       path: Path) -> None:
    """The halves' statistics as one .npz, with the configurations they cover."""
    arrays = {"train_config_index": data.config_index[train],
              "test_config_index": data.config_index[test]}
    for name, stats in halves.items():
        arrays.update({f"{name}.{field}": np.asarray(getattr(stats, field))
                       for field in SetStats.__dataclass_fields__})
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)


def read_sweep_halves(path: Path, data, train: np.ndarray, test: np.ndarray
                      ) -> dict[str, SetStats]:
    """The halves written by ``write_sweep_halves``, checked to cover ``train`` and ``test``."""
    verify_content(path, "sweep_halves")
    with np.load(path) as arrays:
        for name, part in (("train", train), ("test", test)):
            if not np.array_equal(arrays[f"{name}_config_index"], data.config_index[part]):
                raise ValueError(f"{path}: its {name} half is not this sweep's (the split or the "
                                 "labelled configurations changed since it was written); delete "
                                 "it and rerun, and the workflow remakes it")
        return {name: SetStats(**{field: arrays[f"{name}.{field}"][()]
                                  for field in SetStats.__dataclass_fields__})
                for name in ("train", "test")}


def run_sweep_halves(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                     leverage_path: Path, config: dict, out: Path, log=print) -> None:
    """The training and test halves' R factors that every block of a scattered sweep tests
    against, computed once instead of once per block."""
    _, desc, data, train, test, scores, sizes = _sweep_problem(
        structures_path, descriptor_path, label_paths, leverage_path, config, log)
    fit = config["fit"]
    halves = sweep_halves(data, train, test, samplers=list(fit["samplers"]), sizes=sizes,
                          seed=fit.get("seed", 58), scores=scores)
    write_sweep_halves(halves, data, train, test, out)
    log(f"2Jmax {desc.twojmax}: R factors of {len(train)} training and {len(test)} test "
        "configurations")


def run_fit_sweep(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                  leverage_path: Path, config: dict, out: Path, log=print,
                  block: tuple[str, int, int] | None = None,
                  halves_path: Path | None = None) -> None:
    """The sweep of one 2Jmax, or of one block of it: (sampler, first repeat, end repeat);
    ``halves_path``: the halves' statistics from ``run_sweep_halves``."""
    labels, desc, data, train, test, scores, sizes = _sweep_problem(
        structures_path, descriptor_path, label_paths, leverage_path, config, log)
    fit = config["fit"]
    halves = None if halves_path is None else read_sweep_halves(halves_path, data, train, test)
    table = fit_sweep(data, train, test, samplers=list(fit["samplers"]), sizes=sizes,
                      energy_weights=list(fit["energy_weights"]), repeats=fit.get("repeats", 5),
                      seed=fit.get("seed", 58), scores=scores,
                      reference_level=str(fit["reference_level"]),
                      cost_s=configuration_costs(labels, config, data.config_index),
                      twojmax=desc.twojmax, force_weight=fit.get("force_weight", 1.0),
                      only_sampler=None if block is None else block[0],
                      only_repeats=None if block is None else block[1:],
                      repeats_at_sizes={int(e["size"]): int(e["repeats"])
                                        for e in fit.get("repeats_at_sizes", [])},
                      halves=halves)
    write_csv(table, out)
    log(f"2Jmax {desc.twojmax}: {len(table)} rows from {len(train)} train / {len(test)} test "
        "configurations")


def gather_sweep(block_paths: list[Path], out: Path, log=print) -> None:
    """The sweep table of one 2Jmax from its blocks, in the unscattered sweep's row order."""
    table = pd.concat([read_csv(p) for p in block_paths], ignore_index=True)
    write_csv(table, out)
    log(f"{len(table)} rows from {len(block_paths)} sweep blocks")


def run_whole_half(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                   config: dict, out: Path, residuals_out: Path, correlation_out: Path,
                   log=print) -> None:
    """Fits on the whole training half over the energy weights of the 2D front and Tables 4/5,
    and the correlation of the Table 4/5 models' test errors with the DFT error of their level."""
    structures, labels, desc, data, train, test = load_fit_problem(
        structures_path, descriptor_path, label_paths)
    weights = whole_half_weights(config)
    reference = str(config["fit"]["reference_level"])
    table, coefs = whole_half_fits(data, train, test, weights, reference,
                                   configuration_costs(labels, config, data.config_index),
                                   desc.twojmax, config["fit"].get("force_weight", 1.0))
    write_csv(table, out)
    chosen = list(table_weights(config).values())
    n_lev = len(data.levels)
    columns = np.concatenate([np.arange(n_lev) + weights.index(w) * n_lev for w in chosen])
    energies, correlation = residual_correlation(data, test, coefs[:, columns], chosen, reference)
    energies.insert(0, "twojmax", desc.twojmax)
    correlation.insert(0, "twojmax", desc.twojmax)
    write_csv(energies, residuals_out)
    write_csv(correlation, correlation_out)
    log(f"2Jmax {desc.twojmax}: whole-half fits at {len(weights)} energy weights on "
        f"{len(train)} configurations, tested on {len(test)}")


def run_md_cost(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                config: dict, out_json: Path, log=print) -> None:
    """Fit the reference-level model on the whole training half, write it as a LAMMPS potential,
    check pair_style snap reproduces it on test configurations, and time NVE MD."""
    structures, _, desc, data, train, test = load_fit_problem(structures_path, descriptor_path,
                                                             label_paths)
    md = config.get("md", {})
    weight = float(md.get("energy_weight", 150.0))
    ref = data.levels.index(str(config["fit"]["reference_level"]))
    energy, force, _, _ = augmented_r(data, train)
    coefs = solve(energy.r, force.r, data.n_features, weight,
                  config["fit"].get("force_weight", 1.0))[:, ref]
    settings = descriptor_settings(config["descriptors"], desc.twojmax)
    coeff, param = write_potential(out_json.parent, out_json.stem, config["element"], settings, coefs)
    worst_e, worst_f = pair_snap_mismatch(structures, data, desc.rotation,
                                          test[: int(md.get("check_configs", 5))], coefs, coeff,
                                          param, config["element"])
    if worst_e > 1e-6:
        raise RuntimeError(f"2Jmax {desc.twojmax}: LAMMPS pair_style snap differs from the fitted "
                           f"model by {worst_e:.2e} eV/atom; the written potential is wrong")
    speed = md_speed(coeff, param, config["element"], int(md.get("n_atoms", 2000)),
                     int(md.get("steps", 100)))
    result = {"twojmax": desc.twojmax, "n_bispectrum": settings.n_bispectrum,
              "n_columns": settings.n_columns, "energy_weight": weight,
              "train_level": str(config["fit"]["reference_level"]),
              "max_energy_difference_eV_per_atom": worst_e,
              "max_force_difference_eV_per_A": worst_f, **speed}
    json_dump(result, out_json)
    log(f"2Jmax {desc.twojmax}: LAMMPS matches the model to {worst_e:.1e} eV/atom, "
        f"{worst_f:.1e} eV/Å; MD {speed['atom_timesteps_per_s']:.3g} atom-timesteps/s")


def run_model_tables(whole_half_paths: list[Path], md_paths: list[Path],
                     table_weights: dict[str, float], *, table2_stem: Path, table4_stem: Path,
                     table5_stem: Path, log=print) -> None:
    """Table 2 (model complexity and MD speed) and Tables 4/5 (the paper's Sec. 3.2: models on
    the whole training half of each level, energy- and force-weighted), each ``*_stem`` a
    table's .csv, .md, .tex, .html."""
    md = [json.loads(Path(p).read_text()) for p in md_paths]
    write_table(model_complexity_table(md), table2_stem)
    energy_table, force_table = trained_level_tables(read_result_tables(whole_half_paths),
                                                     table_weights)
    write_table(energy_table, table4_stem)
    write_table(force_table, table5_stem)
    log("Tables 2, 4, 5 written (energy weights "
        + ", ".join(f"{k} {v:g}" for k, v in table_weights.items()) + ")")


def run_leverage(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                 energy_weight: float, out: Path, log=print) -> None:
    """Leverage and block leverage (FitSNAP's weighted rows, energy weight ``energy_weight``)
    of every training configuration labelled at all levels, written to the CSV ``out``.
    """
    _, _, _, data, train, _ = load_fit_problem(structures_path, descriptor_path, label_paths)
    scores = leverage_scores(data, train, energy_weight)
    write_csv(scores, out)
    log(f"{len(train)} training configurations, rank {int(scores['rank'].iloc[0])}, "
        f"block leverage sum {scores['block_leverage'].sum():.6f}")
