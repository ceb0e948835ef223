"""One function per workflow stage: plain paths and config dicts in, files out.

The Snakemake scripts are thin wrappers around these, and so is the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .claims import check_claims, dft_floor, paper_evidence, workflow_evidence
from .config import table_weights, whole_half_weights
from .costs import configuration_costs, cost_sources
from .descriptors import (DescriptorFile, compute_descriptor_file, compute_descriptor_part,
                          descriptor_settings)
from .dft.chunks import collect_level
from .fit import (augmented_r, build_fit_data, fit_sweep, leverage_scores, residual_correlation,
                  solve, whole_half_fits)
from .generator import generate_diverse
from .importers import import_labels, read_structures_file, rescale_factor
from .labels import STATUS_OK, analysis_set, read_labels, write_extxyz, write_level_file
from .md import md_speed, pair_snap_mismatch, write_potential
from .mixed import compare_with_single, mixed_fidelity_fits, summarize_mixed
from .noise import levels_as_noise, noise_fits
from .pareto import OBJECTIVES, budget_bands, front, nearest_weight, summarize
from .plots import (cutoff_plot, dft_floor_plot, error_vs_level, label_noise_plot,
                    learning_curves, mixed_fidelity_plot, pareto_2d, pareto_plot, parity_plot,
                    property_plot, residual_correlation_plot)
from .storage import file_hash, json_dump, open_h5, read_csv, read_result_tables, write_csv
from .structures import (BULK_REFERENCE, Structures, bulk_reference, check_structures,
                         generate_crystals, read_structures, read_structures_metadata,
                         split_train_test, valid_mask, write_structures)
from .tables import (dft_rmsd_table, ladder_table, model_complexity_table,
                     statistical_error_metrics, structure_group, trained_level_tables,
                     write_table)


def load_structures(element: str, settings: dict):
    """(structures, source ids) from the configured source."""
    if settings["source"] == "mixed":
        parts = [load_structures(element, {**settings, **part}) for part in settings["parts"]]
        merged = Structures.concatenate([p[0] for p in parts])
        return merged, np.arange(len(merged))
    if settings["source"] == "crystals":
        structures = generate_crystals(
            element, settings["n_configs"], settings.get("n_atoms_min", 2),
            settings.get("n_atoms_max", 16), settings["seed"],
            rattle_A=tuple(settings.get("rattle_A", (0.02, 0.15))),
            surface_fraction=settings.get("surface_fraction", 0.0))
        return structures, np.arange(len(structures))
    if settings["source"] == "generate":
        gen = settings.get("generate", {})
        structures = generate_diverse(
            element, settings["n_configs"], settings.get("n_atoms_min", 2),
            settings.get("n_atoms_max", 16), settings["seed"],
            tuple(gen.get("volume_per_atom_A3", (6.0, 12.0))), gen.get("min_distance_A", 1.6),
            oversample=gen.get("oversample", 5), twojmax=gen.get("twojmax", 6))
        return structures, np.arange(len(structures))

    structures, ids = read_structures_file(settings)
    expected = settings.get("n_configs")
    if expected is not None and expected != len(structures):
        raise ValueError(f"structures.n_configs is {expected} but {settings['path']} holds "
                         f"{len(structures)} configurations; correct or remove n_configs")
    return structures, ids


def make_configurations(element: str, settings: dict, out: Path, log=print) -> None:
    """The configurations to label: the source's, checked, and the bulk reference; no split (a
    split edit must not touch what the DFT jobs read)."""
    structures, ids = load_structures(element, settings)
    keep, rejected = check_structures(
        structures, element, settings.get("min_distance_A", 1.0),
        settings.get("max_rejected_fraction", 0.05),
        tuple(settings.get("volume_per_atom_A3", (2.0, 100.0))))
    for message in rejected:
        log(f"rejected {message}")
    if settings.get("bulk_reference", True) and BULK_REFERENCE not in structures.kinds:
        ideal = bulk_reference(element, int(np.median(structures.n_atoms)))
        structures = Structures.concatenate(
            [structures, Structures.from_atoms([ideal], [BULK_REFERENCE])])
        ids = np.append(ids, -1)
        keep = np.append(keep, True)
        log(f"appended the bulk reference ({ideal.get_chemical_formula()}, "
            f"{len(ideal)} atoms) as configuration {len(structures) - 1}")
    structures.is_train = np.zeros(len(structures), dtype=bool)

    write_structures(out, structures, {"element": element, **settings},
                     rejected=rejected, source_ids=ids, valid=keep,
                     rescale_factor=rescale_factor(settings.get("rescale")))
    log(f"{len(structures)} configurations, {structures.n_atoms.sum()} atoms, "
        f"{(~keep).sum()} rejected")


def split_configurations(configurations_path: Path, split: dict | None, out: Path,
                         log=print, reference_labels: Path | None = None) -> None:
    """structures.h5: the configurations with their train/test split. The split is drawn over
    the source's configurations alone, so that the bulk reference (labelled, never fitted or
    tested) leaves it unchanged, whether added by the workflow or carried by the file. With
    ``split.over: reference_labelled`` it is drawn, as the paper's code does (its
    ``load_files`` keeps the structures of ``Be_prec_6.h5``), over the configurations labelled
    at the reference level (``reference_labels``, its label file) only. ``split`` None keeps the
    split the configurations carry (a pilot's, drawn on its pool)."""
    structures = read_structures(configurations_path)
    meta = read_structures_metadata(configurations_path)
    if split is not None:
        data = ~structures.is_bulk_reference
        if split.get("over", "all") == "reference_labelled":
            if reference_labels is None:
                raise ValueError("split.over: reference_labelled needs the reference level's "
                                 "label file")
            data &= read_labels(reference_labels).ok
        is_train = np.zeros(len(structures), dtype=bool)
        is_train[data] = split_train_test(int(data.sum()), split.get("test_fraction", 0.5),
                                          split.get("seed", 58), split.get("method", "numpy"))
        structures.is_train = is_train
    write_structures(out, structures, {**meta["settings"], "split": split},
                     rejected=meta["rejected"], source_ids=meta["source_id"], valid=meta["valid"],
                     rescale_factor=meta["rescale_factor"])
    log(f"{len(structures)} configurations, {int(structures.is_train.sum())} train"
        + ("" if split is not None else " (the pilot's split, drawn on its pool)")
        + (f", drawn over the {int(data.sum())} labelled at the reference level"
           if split is not None and split.get("over", "all") == "reference_labelled" else ""))


def make_structures(element: str, settings: dict, split: dict, out: Path, log=print) -> None:
    """Configurations and split in one file (the pool of a pilot; tests)."""
    configurations = out.with_name(f".{out.stem}.configurations.h5")
    try:
        make_configurations(element, settings, configurations, log=log)
        split_configurations(configurations, split, out, log=log)
    finally:
        configurations.unlink(missing_ok=True)


def run_collect_level(structures_path: Path, chunk_paths: list[Path], max_failed_fraction: float,
                      out_h5: Path, out_xyz: Path, log=print) -> None:
    """Merge a level's chunk files into its label file (HDF5 ``out_h5`` and extxyz
    ``out_xyz``); stops when more than ``max_failed_fraction`` of the configurations failed.
    """
    structures = read_structures(structures_path)
    failed = collect_level(chunk_paths, structures, out_h5, max_failed_fraction,
                           file_hash(structures_path))
    for message in failed:
        log(f"excluded from the analysis: {message}")
    write_extxyz(out_xyz, structures, read_labels(out_h5))


def run_import_level(structures_path: Path, level_entry: dict, out_h5: Path, out_xyz: Path,
                     max_failed_fraction: float, log=print) -> None:
    """A level whose labels come from a file (``labels_from``) instead of a DFT run."""
    structures = read_structures(structures_path)
    with open_h5(structures_path, "structures") as h5:
        ids = h5["source_id"][()]
        scale = float(h5.attrs.get("rescale_factor", 1.0))
    spec = level_entry["labels_from"]
    level = str(level_entry["name"])
    data = import_labels(structures, ids, spec, level, scale)
    # the bulk reference the workflow added has no label in a file that does not hold it
    missing = [f"configuration {i} (id {ids[i]}): {data['reason'][i]}"
               for i in np.flatnonzero((data["status"] != STATUS_OK)
                                       & ~structures.is_bulk_reference)]
    if len(missing) / max(len(structures), 1) > max_failed_fraction:
        raise RuntimeError(f"level {level}: {len(missing)} of {len(structures)} configurations "
                           f"have no label in {spec['path']} (> dft.max_failed_fraction):\n  "
                           + "\n  ".join(missing[:20]))
    for message in missing:
        log(f"excluded from the analysis: {message}")
    settings = {"code": "imported", "labels_from": str(spec["path"]),
                "format": spec.get("format", "extxyz"),
                **{k: v for k, v in level_entry.items() if k != "labels_from"}}
    write_level_file(out_h5, structures, settings=settings, level=level,
                     structures_hash=file_hash(structures_path),
                     energy=data["energy_eV"], forces=data["forces_eV_per_A"],
                     stress=data["stress_eV_per_A3"], wall_time_s=data["wall_time_s"],
                     cpu_time_s=data["cpu_time_s"],
                     status=data["status"], reasons=data["reason"],
                     labels_file_hash=file_hash(spec["path"]))
    write_extxyz(out_xyz, structures, read_labels(out_h5))
    imported = int(np.sum((data["status"] == STATUS_OK) & ~structures.is_bulk_reference))
    log(f"level {level}: {imported} labels imported from {spec['path']}"
        + (" (not counting the bulk reference mlipcost added)"
           if structures.is_bulk_reference.any() else ""))


def run_descriptors(structures_path: Path, element: str, descriptors: dict, twojmax: int,
                    out: Path, workers: int = 1, log=print,
                    part: tuple[int, int] | None = None) -> None:
    """The descriptor file of one 2Jmax, or part ``part[0]`` of ``part[1]`` of it."""
    settings = descriptor_settings(descriptors, twojmax)
    valid = valid_mask(structures_path)
    skip = None if valid is None else ~valid
    structures = read_structures(structures_path)
    stage_settings = {"element": element, **settings.as_dict()}
    if part is None:
        compute_descriptor_file(structures, settings, element, out, stage_settings,
                                workers=workers, log=log, skip=skip)
    else:
        compute_descriptor_part(structures, settings, element, out, stage_settings, *part,
                                workers=workers, log=log, skip=skip)


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


def load_fit_problem(structures_path: Path, descriptor_path: Path, label_paths: list[Path]):
    """(structures, labels, descriptor file, fit data, training and test configurations): what
    every fitting stage starts from."""
    structures, labels, use = analysis_set(structures_path, label_paths)
    desc = DescriptorFile(descriptor_path)
    data = build_fit_data(desc, labels, use)
    is_train = structures.is_train[data.config_index]
    return structures, labels, desc, data, np.flatnonzero(is_train), np.flatnonzero(~is_train)


def run_fit_sweep(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                  leverage_path: Path, config: dict, out: Path, log=print,
                  block: tuple[str, int, int] | None = None) -> None:
    """The sweep of one 2Jmax, or of one block of it: (sampler, first repeat, end repeat)."""
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
    table = fit_sweep(data, train, test, samplers=list(fit["samplers"]), sizes=sizes,
                      energy_weights=list(fit["energy_weights"]), repeats=fit.get("repeats", 5),
                      seed=fit.get("seed", 58), scores=scores,
                      reference_level=str(fit["reference_level"]),
                      cost_s=configuration_costs(labels, config, data.config_index),
                      twojmax=desc.twojmax, force_weight=fit.get("force_weight", 1.0),
                      only_sampler=None if block is None else block[0],
                      only_repeats=None if block is None else block[1:],
                      repeats_at_sizes={int(e["size"]): int(e["repeats"])
                                        for e in fit.get("repeats_at_sizes", [])})
    write_csv(table, out)
    log(f"2Jmax {desc.twojmax}: {len(table)} rows from {len(train)} train / {len(test)} test "
        "configurations")


def gather_sweep(block_paths: list[Path], out: Path, log=print) -> None:
    """The sweep table of one 2Jmax from its blocks, in the unscattered sweep's row order."""
    table = pd.concat([read_csv(p) for p in block_paths], ignore_index=True)
    write_csv(table, out)
    log(f"{len(table)} rows from {len(block_paths)} sweep blocks")


def run_mixed_fidelity(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                       leverage_path: Path, config: dict, out: Path, log=print) -> None:
    """The mixed-fidelity points of one 2Jmax (``config["mixed_fidelity"]``: the resolved
    settings of config.mixed_fidelity_settings; ``dft``/``pareto``: the cost model)."""
    _, labels, desc, data, train, test = load_fit_problem(structures_path, descriptor_path,
                                                          label_paths)
    mixed = config["mixed_fidelity"]
    lev = read_csv(leverage_path).set_index("config_index").loc[data.config_index[train]]
    sampler = mixed["sampler"]
    scores = lev[sampler].to_numpy() if sampler in lev else None
    low = [n for n in mixed["low_sizes"] if n <= len(train)]
    if len(low) < len(mixed["low_sizes"]):
        log(f"mixed_fidelity.low_sizes above the {len(train)} training configurations "
            f"dropped: {sorted(set(mixed['low_sizes']) - set(low))}")
    table = mixed_fidelity_fits(
        data, train, test, low_sizes=low, high_sizes=mixed["high_sizes"],
        energy_weights=mixed["energy_weights"], repeats=mixed["repeats"], seed=mixed["seed"],
        sampler=sampler, sampler_index=mixed["samplers"].index(sampler), scores=scores,
        reference_level=mixed["reference_level"],
        cost_s=configuration_costs(labels, config, data.config_index), twojmax=desc.twojmax,
        force_weight=mixed["force_weight"], methods=mixed["methods"], pairs=mixed["pairs"])
    write_csv(table, out)
    log(f"2Jmax {desc.twojmax}: {len(table)} mixed-fidelity fits on {len(train)} training "
        f"configurations, tested on {len(test)}")


def run_label_noise(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                    settings: dict, out: Path, log=print) -> None:
    """Noise on the reference level's training labels against test error, one 2Jmax
    (``settings``: config.label_noise_settings)."""
    _, _, desc, data, train, test = load_fit_problem(structures_path, descriptor_path,
                                                     label_paths)
    table = noise_fits(data, train, test, reference_level=settings["reference_level"],
                       energy_sigmas=[1e-3 * s for s in settings["energy_sigmas_meV_per_atom"]],
                       force_sigmas=[1e-3 * s for s in settings["force_sigmas_meV_per_A"]],
                       energy_weight=settings["energy_weight"], repeats=settings["repeats"],
                       seed=settings["seed"], twojmax=desc.twojmax,
                       force_weight=settings["force_weight"])
    write_csv(table, out)
    log(f"2Jmax {desc.twojmax}: {len(table)} noisy fits on {len(train)} training configurations")


def run_mixed_comparison(sweep_paths: list[Path], mixed_paths: list[Path], *,
                         front_samplers: list[str] | None, points_csv: Path,
                         table_stem: Path, plot: Path, log=print) -> None:
    """Mixed-fidelity points beside the sweep's single-level medians: which mixed points no
    single-level point dominates, the best of each kind within a budget, the figure."""
    single = summarize(read_result_tables(sweep_paths))
    if front_samplers:
        single = single[single["sampler"].isin(front_samplers)]
    mixed, table = compare_with_single(single, summarize_mixed(read_result_tables(mixed_paths)))
    write_csv(mixed, points_csv)
    write_table(table, table_stem)
    mixed_fidelity_plot(single, mixed, plot)
    wins = mixed[mixed["beats_single_levels"]]
    log(f"{len(mixed)} mixed points, {len(wins)} not dominated by a single-level point")


def run_noise_summary(noise_paths: list[Path], *, curves_csv: Path, table_stem: Path,
                      plot: Path, log=print) -> None:
    """Medians over noise draws; the table of each level's model against random noise of the
    level's RMSD and against a systematic error of that size learned in full; the figure."""
    noise = read_result_tables(noise_paths)
    keys = ["twojmax", "noise", "level", "sigma_energy_meV_per_atom", "sigma_force_meV_per_A",
            "energy_weight", "force_weight", "train_size", "noisy_level"]
    summary = summarize(noise, keys=keys)
    levels = summary[summary["level"] != ""]
    table = levels_as_noise(summary)
    write_table(table, table_stem)
    write_csv(summary, curves_csv)
    label_noise_plot(summary, levels, plot)
    log(f"noise curves of {summary['twojmax'].nunique()} 2Jmax, {len(levels)} level points")


def run_cutoff_report(sweep_paths: dict[float, list[Path]], md_paths: dict[float, list[Path]],
                      *, radelem: float, reference_level: str,
                      front_samplers: list[str] | None, energy_weight: float,
                      summary_csv: Path, models_stem: Path, front_stem: Path, plot: Path,
                      log=print) -> None:
    """The cutoff axis: sweep medians and MD speed at each rcutfac (``*_paths`` keyed by it),
    the front over 2Jmax × cutoff with MD cost as an objective, the per-model table, figure."""
    from .cutoff import cutoff_models, cutoff_summary

    md = {}
    for rcutfac, paths in md_paths.items():
        for p in paths:
            record = json.loads(Path(p).read_text())
            md[(int(record["twojmax"]), float(rcutfac))] = record
    sweeps = {float(r): read_result_tables(paths) for r, paths in sweep_paths.items()}
    summary = cutoff_summary(sweeps, md, radelem=radelem, front_samplers=front_samplers)
    models = cutoff_models(summary, md, reference_level=reference_level,
                           energy_weight=energy_weight)
    write_csv(summary, summary_csv)
    write_table(models, models_stem)
    columns = ["twojmax", "cutoff_A", "train_level", "sampler", "size", "energy_weight",
               "dft_cost_s", *OBJECTIVES[1:], "md_atom_timesteps_per_s"]
    write_table(summary[summary["on_front"]].sort_values(["dft_cost_s"])[columns], front_stem)
    cutoff_plot(models, summary, plot)
    by_cutoff = summary[summary["on_front"]].groupby("cutoff_A").size()
    log("front settings per cutoff (Å): " + ", ".join(f"{c:.2f}: {n}" for c, n in
                                                       by_cutoff.items()))


def run_model_properties(structures_path: Path, descriptor_path: Path, label_paths: list[Path],
                         settings: dict, descriptors: dict, element: str, out: Path,
                         potentials: dict[str, tuple[Path, Path]], log=print) -> None:
    """Material properties of each level's whole-half model of one 2Jmax (LAMMPS), at the
    energy weight of ``settings`` (config.properties_settings); ``potentials``: each level's
    .snapcoeff and .snapparam to write."""
    from .properties import lammps_evaluator, material_properties, pair_commands

    _, _, desc, data, train, _ = load_fit_problem(structures_path, descriptor_path, label_paths)
    energy, force, _, _ = augmented_r(data, train)
    weight = settings["energy_weight"]
    coefs = solve(energy.r, force.r, data.n_features, weight, settings["force_weight"])
    snap = descriptor_settings(descriptors, desc.twojmax)
    rows = []
    for li, level in enumerate(data.levels):
        coeff, param = potentials[level]
        write_potential(coeff.parent, coeff.stem, element, snap, coefs[:, li])
        evaluate = lammps_evaluator(pair_commands(coeff, param, element, snap.reference_pair),
                                    element)
        values = material_properties(evaluate, element, settings)
        rows.append({"twojmax": desc.twojmax, "train_level": level, "energy_weight": weight,
                     "train_size": len(train), **values})
        log(f"2Jmax {desc.twojmax}, level {level}: " +
            ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k}: {v}"
                      for k, v in values.items()))
    write_csv(pd.DataFrame(rows), out)


def run_properties_report(dft_paths: list[Path], model_paths: list[Path],
                          whole_half_paths: list[Path], md_paths: list[Path], *,
                          reference_level: str, energy_weight: float, table_stem: Path,
                          errors_stem: Path, front_stem: Path, plot: Path, log=print) -> None:
    """Properties of DFT at each level beside those of each level's model (Bayerl et al.'s
    Fig. 3), their errors against DFT at the reference level and against the same source at
    the reference level, and the front of the models over DFT cost, mean property error and
    MD cost (the property error as a Pareto objective)."""
    from .properties_report import model_property_front, property_errors, property_table

    dft = pd.DataFrame([json.loads(Path(p).read_text()) for p in dft_paths])
    models = read_result_tables(model_paths)
    table = property_table(dft, models)
    errors = property_errors(table, str(reference_level))
    write_table(table, table_stem)
    write_table(errors, errors_stem)
    whole = read_result_tables(whole_half_paths)
    md = {int(r["twojmax"]): r for r in (json.loads(Path(p).read_text()) for p in md_paths)}
    front_table = model_property_front(errors, whole, md, energy_weight)
    write_table(front_table, front_stem)
    property_plot(table, str(reference_level), plot)
    log(f"{len(dft)} DFT levels, {len(models)} models; "
        f"{int(front_table['on_front'].sum())} models on the property front")


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


def run_pareto(sweep_paths: list[Path], reference_level: str, *, summary_csv: Path,
               front_stem: Path, bands_stem: Path, front_plots: dict[int, Path],
               learning_plot: Path, log=print, md_paths: list[Path] | None = None,
               front_samplers: list[str] | None = None, sampler_weight: float = 150.0,
               whole_half_paths: list[Path] | None = None,
               pareto_2d_plot: Path | None = None, error_vs_level_plot: Path | None = None,
               residual_paths: list[Path] | None = None,
               correlation_paths: list[Path] | None = None,
               residual_stem: Path | None = None, residual_plot: Path | None = None,
               table_weights: dict[str, float] | None = None) -> None:
    """Medians over repeats; the 3-objective front (DFT cost, test energy and force errors against
    the reference, the paper's rule of Sec. 3.5) per 2Jmax over the settings sampled by
    ``front_samplers`` (the paper: leverage only; default: every sampler, pooled), and across
    2Jmax with the model's MD cost as a fourth objective; budget bands per 2Jmax; the figures.

    Each output is named: ``*_stem`` a table (its .csv, .md, .tex, .html), ``*_plot`` a figure
    (.png and .pdf beside it), ``front_plots`` the front's figure of each 2Jmax.
    """
    sweep = read_result_tables(sweep_paths)
    summary = summarize(sweep)
    samplers = list(front_samplers or sorted(summary["sampler"].unique()))
    unknown = sorted(set(samplers) - set(summary["sampler"]))
    if unknown:
        raise ValueError(f"pareto.samplers {unknown} are not in the sweep (fit.samplers: "
                         f"{sorted(summary['sampler'].unique())})")
    summary["in_front_pool"] = summary["sampler"].isin(samplers)
    pool_label = "+".join(samplers) if len(samplers) > 1 else samplers[0]
    summary["front_samplers"] = pool_label
    pool = summary[summary["in_front_pool"]]
    per_2j = pd.concat([front(g) for _, g in pool.groupby("twojmax")])
    summary["on_front"] = False
    summary.loc[per_2j.index, "on_front"] = per_2j["on_front"]
    objectives = list(OBJECTIVES)
    if md_paths:
        md = [json.loads(Path(p).read_text()) for p in md_paths]
        speed = {r["twojmax"]: r["atom_timesteps_per_s"] for r in md}
        summary["md_cost_s_per_atom_timestep"] = summary["twojmax"].map(lambda j: 1.0 / speed[j])
        summary["md_atom_timesteps_per_s"] = 1.0 / summary["md_cost_s_per_atom_timestep"]
        objectives.append("md_cost_s_per_atom_timestep")
    across = front(summary[summary["in_front_pool"]], objectives, strict=len(objectives) == 3)
    summary["on_front_all_2jmax"] = False
    summary.loc[across.index, "on_front_all_2jmax"] = across["on_front"]
    summary["dft_cost_min"] = summary["dft_cost_s"] / 60.0
    write_csv(summary, summary_csv)
    front_cols = ["twojmax", "train_level", "sampler", "size", "energy_weight", "dft_cost_min",
                  *OBJECTIVES[1:], "on_front_all_2jmax"]
    if "md_atom_timesteps_per_s" in summary:
        front_cols.append("md_atom_timesteps_per_s")
    on_front = summary[summary["on_front"]].sort_values(["twojmax", "dft_cost_min"])[front_cols]
    write_table(on_front, front_stem)
    for twojmax, grp in summary[summary["in_front_pool"]].groupby("twojmax"):
        pareto_plot(grp, front_plots[int(twojmax)], "dft_cost_min",
                    "DFT cost of the training set (min)", OBJECTIVES[1], OBJECTIVES[2],
                    f"Accuracy vs DFT cost, qSNAP 2Jmax {twojmax}, {pool_label} sampling")
        log(f"2Jmax {twojmax}: {int(grp['on_front'].sum())} of {len(grp)} settings "
            f"({pool_label}) on the front")
    bands = budget_bands(summary, "dft_cost_min").assign(front_samplers=pool_label)
    write_table(bands, bands_stem)
    weight = nearest_weight(summary["energy_weight"].unique(), sampler_weight)
    note = "" if np.isclose(weight, sampler_weight) else (
        f" (nearest swept to the configured {sampler_weight:g})")
    learning_curves(summary, learning_plot, energy_weight=weight,
                    level=str(reference_level),
                    title=f"Sampler comparison: trained on level {reference_level}, energy weight "
                          f"{weight:g}{note}")
    if whole_half_paths:
        whole = read_result_tables(whole_half_paths)
        pareto_2d(whole, pareto_2d_plot)
        error_vs_level(whole, error_vs_level_plot, table_weights or {})
    if residual_paths and correlation_paths:
        correlation = read_result_tables(correlation_paths)
        write_table(correlation, residual_stem)
        residual_correlation_plot(read_result_tables(residual_paths), correlation,
                                  residual_plot,
                                  (table_weights or {}).get("energy_weighted", 150.0),
                                  str(reference_level))


def run_tables(structures_path: Path, label_paths: list[Path], config: dict, *,
               ladder_stem: Path, rmsd_stem: Path, metrics_stem: Path, bayerl_stem: Path,
               failures_stem: Path, parity_plot_path: Path, log=print) -> None:
    """Table 1 (the ladder and its measured cost per configuration), Table 3 (DFT RMSD to the
    reference level), the a-priori metrics of Bayerl et al. and their recommendation, the list of
    failed calculations (each ``*_stem``: a table's .csv, .md, .tex, .html) and the parity plot.
    """
    structures = read_structures(structures_path)
    labels = [read_labels(p) for p in label_paths]
    ladder = ladder_table(config["dft"]["levels"], labels)
    ladder["cost_source"] = cost_sources(labels, config)
    write_table(ladder, ladder_stem)
    bulk = np.flatnonzero(structures.is_bulk_reference)
    reference = str(config["fit"]["reference_level"])
    # the configurations every model trains and is tested on: an imported level carries labels
    # of configurations the structure checks rejected, which no table may count
    data = ~structures.is_bulk_reference
    valid = valid_mask(structures_path)
    if valid is not None:
        data &= valid
    write_table(dft_rmsd_table(labels, reference, int(bulk[0]) if len(bulk) else None, data),
                rmsd_stem)

    volumes = np.abs(np.linalg.det(structures.cells))
    metrics, decisions, overall = statistical_error_metrics(
        labels, reference, volumes, [structure_group(k) for k in structures.kinds], data)
    write_table(metrics, metrics_stem)
    write_table(decisions, bayerl_stem)
    log(f"a-priori recommendation (Bayerl et al. eq. 1, ½·MAD): level "
        f"{overall['recommended_level']}, driven by {', '.join(overall['driven_by'])}")
    parity_plot(labels, reference, parity_plot_path)
    failures = [{"level": lab.level, "config_index": int(i), "reason": lab.reasons[i]}
                for lab in labels for i in np.flatnonzero(~lab.ok)]
    write_table(pd.DataFrame(failures, columns=["level", "config_index", "reason"]),
                failures_stem)
    log(f"tables written; {len(failures)} failed or rejected DFT calculations listed")


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


def run_claims(summary_path: Path, whole_half_paths: list[Path], levels: list[str],
               table_weights: dict[str, float], sampler_weight: float, out_stem: Path,
               paper_dir: Path | None = None, dft_rmsd_path: Path | None = None,
               floor_sampler: str = "leverage", floor_stem: Path | None = None,
               floor_plot: Path | None = None, sweep_paths: list[Path] | None = None,
               log=print) -> pd.DataFrame:
    """The paper's claims tested on this workflow's results (and on the paper's own result files
    when ``paper_dir`` is given), one table, each verdict with its sensitivity to its thresholds
    and its stability over resampled repeats (of ``sweep_paths``' rows); with ``dft_rmsd_path``
    (Table 3) also the learning curves of every level against its DFT floor (claims.dft_floor:
    a table and a figure)."""
    evidence = workflow_evidence(read_csv(summary_path), read_result_tables(whole_half_paths),
                                 levels, table_weights, sampler_weight,
                                 sweep=read_result_tables(sweep_paths) if sweep_paths else None)
    tables = [check_claims(evidence)]
    if paper_dir is not None:
        tables.append(check_claims(paper_evidence(paper_dir)))
    table = pd.concat(tables, ignore_index=True)
    write_table(table, out_stem)
    for row in table.itertuples():
        log(f"claim {row.claim} ({row.evidence}): {row.verdict}; {row.sensitivity}; "
            f"{row.stability}")
    if dft_rmsd_path is not None:
        summary = read_csv(summary_path)
        floor = dft_floor(summary, read_csv(dft_rmsd_path), [str(v) for v in levels],
                          table_weights, floor_sampler)
        write_table(floor, floor_stem)
        dft_floor_plot(summary, floor, [str(v) for v in levels], floor_sampler, floor_plot)
        log(floor.to_string(index=False))
    return table


def run_paper_comparison(paper_dir: Path, *, front_plot: Path, pareto_2d_plot: Path,
                         learning_plot: Path, table4_stem: Path, table5_stem: Path,
                         log=print) -> None:
    """The paper's 2Jmax-6 figures and Tables 4/5 analog regenerated from its own result files
    (3D front, 2D front over 17 weights, sampler comparison with 16/84 % bands)."""
    ev = paper_evidence(paper_dir)
    for twojmax, grp in ev.points.groupby("twojmax"):
        pareto_plot(grp, front_plot, "dft_cost_min",
                    "DFT cost of the training set (min, the paper's s/configuration × size)",
                    OBJECTIVES[1], OBJECTIVES[2],
                    f"The paper's 3D front from its files: 2Jmax {twojmax}, leverage sampling, "
                    f"{int(grp['on_front'].sum())} of {len(grp)} non-dominated")
    if ev.whole_half is not None:
        pareto_2d(ev.whole_half, pareto_2d_plot,
                  title="The paper's 2D front from its 2D_pareto.csv (whole training half)")
        energy, force = trained_level_tables(ev.whole_half, ev.table_weights)
        write_table(energy, table4_stem)
        write_table(force, table5_stem)
    if ev.samplers is not None:
        learning_curves(ev.samplers, learning_plot,
                        energy_weight=ev.sampler_weight, level=ev.reference,
                        title="The paper's sampler comparison from its files: level 6, energy "
                              "weight 150, 50 repeats")
    log(f"paper figures and tables from {paper_dir} written")
