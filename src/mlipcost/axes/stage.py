"""The study's further axes: mixed fidelity, levels as label noise, the cutoff axis, model
properties.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..analysis.pareto import OBJECTIVES, summarize
from ..analysis.plots import cutoff_plot, label_noise_plot, mixed_fidelity_plot, property_plot
from ..analysis.tables import write_table
from ..descriptors.snap import descriptor_settings
from ..dft.costs import configuration_costs
from ..io.storage import read_csv, read_result_tables, write_csv
from ..models.fit import augmented_r, solve
from ..models.md import write_potential
from ..models.stage import load_fit_problem
from .mixed import compare_with_single, mixed_fidelity_fits, summarize_mixed
from .noise import levels_as_noise, noise_fits


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
