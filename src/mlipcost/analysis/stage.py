"""The analysis stage: fronts, the paper's tables and figures, claims, the comparison with the
paper.

Plain paths and config dicts in, files out; the workflow's scripts and the command line call these."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..dft.costs import cost_sources
from ..dft.labels import read_labels
from ..io.storage import read_csv, read_result_tables, write_csv
from ..structures.configurations import read_structures, valid_mask
from .claims import check_claims, dft_floor, paper_evidence, workflow_evidence
from .pareto import OBJECTIVES, budget_bands, front, nearest_weight, summarize
from .plots import (dft_floor_plot, error_vs_level, learning_curves, pareto_2d, pareto_plot,
                    parity_plot, residual_correlation_plot)
from .tables import (dft_rmsd_table, ladder_table, statistical_error_metrics, structure_group,
                     trained_level_tables, write_table)


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
