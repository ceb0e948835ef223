"""Command line: ``mlipcost fit`` (FitSNAP input files), ``pareto``, ``tables`` and ``claims`` (the
paper's published result files or this workflow's results), ``recommend``, ``plan`` and ``check``."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path




def _input_file(path: Path, option: str, what: str) -> Path:
    """``path`` if it is a readable, non-empty file; else an error naming the option."""
    if not path.exists():
        raise FileNotFoundError(f"{option} {path}: no such file; give {what}")
    if not path.is_file():
        raise ValueError(f"{option} {path}: is a folder, not a file; give {what}")
    if path.stat().st_size == 0:
        raise ValueError(f"{option} {path}: the file is empty; give {what}")
    return path


def _read_yaml(path: Path, option: str, what: str):
    """The YAML document of ``path``; bad YAML is an error naming the file and the line."""
    import yaml

    try:
        return yaml.safe_load(_input_file(path, option, what).read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"{option} {path}: not valid YAML{where} "
                         f"({getattr(err, 'problem', None) or err}); correct it") from None
    except UnicodeDecodeError:
        raise ValueError(f"{option} {path}: not a text file; give {what}") from None


def _check_numbers(args, names: list[str]) -> None:
    """Each named option, when given, a finite number above zero."""
    for name in names:
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"--{name.replace('_', '-')} {value}: must be a positive number")


def _check_snap_files(coeff: Path, param: Path) -> None:
    """A .snapcoeff (header "nelements ncoeff", then per element its name, radius and weight and
    ncoeff coefficients) and a .snapparam (twojmax and rcutfac), before LAMMPS reads them."""
    fix = "give the .snapcoeff and .snapparam that `mlipcost fit` or FitSNAP wrote"
    lines = [ln.split("#")[0].split() for ln in _input_file(coeff, "--coeff", fix)
             .read_text(errors="replace").splitlines()]
    words = [w for w in lines if w]
    try:
        n_elements, n_coeff = int(words[0][0]), int(words[0][1])
        expected = 1 + n_elements * (1 + n_coeff)
        for w in words[2:2 + n_coeff]:
            float(w[0])
        if len(words) < expected or n_elements < 1 or n_coeff < 1:
            raise ValueError
    except (IndexError, ValueError):
        raise ValueError(f"--coeff {coeff}: not a SNAP coefficient file; {fix}") from None
    keys = {ln[0] for ln in (ln.split("#")[0].split() for ln in _input_file(
        param, "--param", fix).read_text(errors="replace").splitlines()) if ln}
    if not {"twojmax", "rcutfac"} <= keys:
        raise ValueError(f"--param {param}: not a SNAP parameter file (no twojmax and rcutfac); "
                         f"{fix}")


def _sweep_tables(results: Path, pattern: str, rule: str):
    """A workflow's tables ``results/sweep/<pattern>`` as one, and where they came from."""
    from .io.storage import read_result_tables

    paths = sorted((results / "sweep").glob(pattern))
    if not paths:
        raise FileNotFoundError(f"{results}/sweep: no {pattern}; run the workflow (rule {rule}) "
                                "or pass --paper-dir")
    return read_result_tables(paths), f"{results}/sweep/{pattern}"

def _fit(args) -> int:
    from .models.fitsnap_compat import read_fitsnap_input, run_fitsnap_input

    read_fitsnap_input(args.fitsnap_input)  # its errors first: they name the input file's line
    what = "an extxyz (.gz) of the training configurations with info['group']"
    _input_file(args.data, "--data", what)
    try:
        result = run_fitsnap_input(args.fitsnap_input, args.data, args.out,
                                   workers=args.workers or len(os.sched_getaffinity(0)))
    except (OSError, EOFError, StopIteration, KeyError, IndexError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"--data {args.data}: could not be read as {what} "
                         f"({type(err).__name__}: {err})") from None
    m = result["metrics"]
    name = result["spec"].potential_name
    print(f"wrote {args.out}/{name}.snapcoeff, {name}.snapparam, metrics.json")
    for kind, unit in (("Energy", "eV/atom"), ("Force", "eV/Å"), ("Stress", "bar")):
        key = f"Train|*ALL|Unweighted|{kind}"
        if key in m:
            print(f"training {kind.lower():6s} RMSE {m[key]['rmse']:.6g} {unit} "
                  f"(MAE {m[key]['mae']:.6g}, {m[key]['ncount']} rows)")
    return 0


def _pareto(args) -> int:
    from .analysis.pareto import PAPER_OBJECTIVES, budget_bands, paper_front

    front = paper_front(args.paper_dir)
    on = front[front["on_front"]]
    e, f = PAPER_OBJECTIVES[1], PAPER_OBJECTIVES[2]
    window = on[(on[e] <= args.max_energy) & (on[f] <= args.max_force)]
    print(f"{len(on)} non-dominated settings of {len(front)}")
    print(f"{len(window)} inside the window (energy <= {args.max_energy:g} meV/atom, "
          f"force <= {args.max_force:g} meV/Å), from levels {sorted(window['train_level'].unique().tolist())}")
    print("levels on the front by DFT budget (min):")
    print(budget_bands(front, "dft_cost_min").to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0


def _print_table(df, title: str) -> None:
    print(title)
    print(df.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="n/a"))
    print()


def _tables(args) -> int:
    """Tables 4/5 analog from the paper's 2D_pareto.csv or a results folder's whole-half fits."""
    from .analysis.claims import read_paper_whole_half
    from .config import PAPER_TABLE_WEIGHTS
    from .analysis.tables import trained_level_tables

    weights = {"energy_weighted": args.energy_weighted, "force_weighted": args.force_weighted}
    if args.paper_dir:
        path = args.paper_dir / "2D_pareto.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing (the paper's 2D_pareto.csv); pass the "
                                    "folder that holds it with --paper-dir")
        whole, source = read_paper_whole_half(path), f"the paper's {path}"
    else:
        whole, source = _sweep_tables(args.results, "whole_half_2J*.csv", "whole_half")
    energy, force = trained_level_tables(whole, weights)
    reference = "6" if args.paper_dir else "the reference level"
    print(f"Models trained on the whole training half ({source}); energy-weighted "
          f"{weights['energy_weighted']:g}, force-weighted {weights['force_weighted']:g} "
          f"(the paper's: {PAPER_TABLE_WEIGHTS['energy_weighted']:g}, "
          f"{PAPER_TABLE_WEIGHTS['force_weighted']:g})\n")
    _print_table(energy, f"Table 4 analog: energy RMSE (meV/atom): train, test vs own level, test vs "
                         f"{reference} unshifted and mean-shifted")
    _print_table(force, f"Table 5 analog: force RMSE (meV/Å): train, test vs own level, test vs "
                        f"{reference}")
    if args.paper_dir:
        print("The paper's files hold no mean-shifted errors (n/a). Its printed Tables 4/5 are "
              "for 2Jmax 10; these files are 2Jmax 6.")
    return 0


def _claims(args) -> int:
    from .analysis.claims import check_claims, paper_evidence, read_claim_texts, workflow_evidence
    from .io.storage import read_result_tables

    if args.claims_file:
        _read_yaml(args.claims_file, "--claims-file", "the paper's paper_tables.yaml")
    texts = read_claim_texts(args.claims_file) if args.claims_file else None
    tables = []
    if args.paper_dir:
        tables.append(check_claims(paper_evidence(args.paper_dir), texts, args.bootstrap))
    if args.results:
        from .io.storage import read_csv

        summary = args.results / "pareto" / "summary.csv"
        paths = sorted((args.results / "sweep").glob("whole_half_2J*.csv"))
        if not summary.exists() or not paths:
            raise FileNotFoundError(f"{args.results}: needs pareto/summary.csv and "
                                    "sweep/whole_half_2J*.csv (run the workflow first)")
        config = (_read_yaml(args.configfile, "--configfile", "the study's config (YAML)")
                  if args.configfile else None)
        if config is None:
            raise ValueError("--results needs --configfile (the study's config: its levels, "
                             "Tables 4/5 and sampler-comparison weights)")
        from .config import table_weights

        levels = [str(lvl["name"]) for lvl in config["dft"]["levels"]]
        sweeps = sorted(p for p in (args.results / "sweep").glob("2J*.csv"))
        evidence = workflow_evidence(
            read_csv(summary), read_result_tables(paths), levels, table_weights(config),
            config.get("pareto", {}).get("sampler_comparison_energy_weight", 150.0),
            sweep=read_result_tables(sweeps) if sweeps else None)
        tables.append(check_claims(evidence, texts, args.bootstrap))
    if not tables:
        raise ValueError("give --paper-dir (the paper's result files) and/or --results with "
                         "--configfile (a workflow's results)")
    for table in tables:
        print(f"== evidence: {table['evidence'].iloc[0]}")
        for row in table.itertuples():
            print(f"[{row.claim}] {row.statement}\n    -> {row.verdict.upper()}: {row.numbers}\n"
                  f"    sensitivity: {row.sensitivity}\n    stability: {row.stability}\n")
    return 0


def _recommend(args) -> int:
    from .analysis.pareto import describe, paper_front, recommend

    for name in ("budget_minutes", "max_energy_rmse", "max_force_rmse", "min_md_speed"):
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"--{name.replace('_', '-')} {value}: must be a positive number")
    if args.paper_dir:
        points, front_col = paper_front(args.paper_dir), "on_front"
    else:
        if not args.summary.exists():
            raise FileNotFoundError(f"{args.summary} not found; run the workflow (rule pareto) or "
                                    "pass --paper-dir")
        from .io.storage import read_csv

        points = read_csv(args.summary)
        front_col = "on_front_all_2jmax"
        needed = [front_col, "dft_cost_min", "twojmax", "train_level", "energy_weight", "size",
                  "test_energy_rmse_meV_per_atom_vs_reference",
                  "test_force_rmse_meV_per_A_vs_reference"]
        missing = [c for c in needed if c not in points]
        if missing:
            raise ValueError(f"{args.summary}: not a pareto summary (no column "
                             f"{', '.join(missing)}); give results/pareto/summary.csv of a run")
    result = recommend(points, args.budget_minutes, args.max_energy_rmse, args.max_force_rmse,
                       args.min_md_speed, front_col=front_col)
    if result["choice"] is not None:
        print(f"Cheapest front setting meeting the targets within {args.budget_minutes:g} min:")
        print("  " + describe(result["choice"]))
    elif result["cheapest_meeting"] is not None:
        print(f"No front setting meets the targets within {args.budget_minutes:g} min; the cheapest "
              f"that does needs {result['cheapest_meeting']['dft_cost_min']:.4g} min:")
        print("  " + describe(result["cheapest_meeting"]))
    else:
        print("No setting on the front meets these targets at any budget.")
    if result["best_within_budget"] is not None:
        print(f"Most accurate front setting within {args.budget_minutes:g} min:")
        print("  " + describe(result["best_within_budget"]))
    if result["best_within_double"] is not None:
        print(f"Next budget step ({2 * args.budget_minutes:g} min) would buy:")
        print("  " + describe(result["best_within_double"]))
    return 0


def _plan(args) -> int:
    import numpy as np

    from .analysis.pareto import read_paper_3d
    from .plan.curves import (ERROR_UNITS, accuracy_line, compare_with_actual, identification_advice,
                              interpolation_sizes, plan, predict_errors, seconds_per_configuration)

    interpolation = None
    if args.paper_dir:
        runs, cost_col = read_paper_3d(args.paper_dir), "dft_cost_min"
        source = f"the paper's {args.paper_dir}"
    else:
        (runs, source), cost_col = _sweep_tables(args.results, "2J*.csv", "fit_sweep"), "dft_cost_s"
        descriptors = sorted((args.results / "descriptors").glob("2J*.h5"))
        descriptors += sorted((args.results / "descriptors").glob("2J*/part*.h5"))
        interpolation = interpolation_sizes(descriptors) if descriptors else None
    for name in ("max_pilot_size", "confidence", "budget_minutes", "max_energy_rmse",
                 "max_force_rmse", "pool_size"):
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"--{name.replace('_', '-')} {value}: must be a positive number")
    if not args.confidence < 1:
        raise ValueError(f"--confidence {args.confidence}: a fraction below 1 (e.g. 0.9)")
    predict_sizes = args.predict_size or [int(runs["size"].max())]
    predictions = predict_errors(runs, args.max_pilot_size, predict_sizes, args.confidence,
                                 interpolation)
    compared = compare_with_actual(predictions, runs)
    pilot_sizes = predictions["pilot_sizes"].iloc[0]
    print(f"Learning curves RMSE(n)^2 = floor + amplitude * n^-exponent fitted on sizes "
          f"{pilot_sizes} of {source} (medians over repeats; test errors vs the reference "
          f"level); {100 * args.confidence:g} % intervals: the range of the laws that fit "
          f"each curve's pilot within its repeats' noise.\n")
    pair_keys = ["twojmax", "sampler", "train_level", "energy_weight"]
    for key, rows in compared.groupby(pair_keys, sort=True):
        print(f"2Jmax {key[0]}, {key[1]} sampling, level {key[2]}, energy weight {key[3]:g}:")
        table = rows.assign(interval=[f"[{lo:.4g}, {hi:.4g}]" for lo, hi
                                      in zip(rows["lower"], rows["upper"])],
                            metric=[f"{m} ({ERROR_UNITS[m]})" for m in rows["metric"]])
        table = table[["metric", "size", "pilot_medians", "identified", "exponent", "predicted",
                       "interval", "actual", "relative_error_pct", "covered"]]
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="n/a"))
        print()
    for line in identification_advice(predictions):
        print(line)
    measured = compared.dropna(subset=["actual"])
    if len(measured):
        for metric in ERROR_UNITS:
            print(f"{metric}: {accuracy_line(measured[measured['metric'] == metric])}")
        print(f"{len(measured)} predictions with a measurement at their size: "
              f"{accuracy_line(measured)}")
    if args.max_energy_rmse is not None or args.max_force_rmse is not None:
        pool = args.pool_size or int(runs["size"].max())
        sizes = np.unique(np.r_[np.geomspace(runs["size"].min(), pool, 25).round(), pool])
        grid = predict_errors(runs, args.max_pilot_size, sizes, args.confidence, interpolation)
        per_config = seconds_per_configuration(runs, cost_col)
        budget_s = None if args.budget_minutes is None else 60.0 * args.budget_minutes
        result = plan(grid, per_config, args.max_energy_rmse, args.max_force_rmse, budget_s)
        _print_plan(result, args, pool)
    return 0


def _print_plan(result: dict, args, pool: int) -> None:
    def describe(row) -> str:
        return (f"2Jmax {row['twojmax']}, level {row['train_level']}, {row['sampler']} sampling, "
                f"energy weight {row['energy_weight']:g}, {int(row['size'])} configurations: "
                f"DFT {row['dft_cost_s'] / 60:.4g} min; predicted energy "
                f"{row['predicted_energy']:.3g} [{row['lower_energy']:.3g}, "
                f"{row['upper_energy']:.3g}] meV/atom, force {row['predicted_force']:.3g} "
                f"[{row['lower_force']:.3g}, {row['upper_force']:.3g}] meV/Å")

    targets = " and ".join(t for t in (
        f"energy <= {args.max_energy_rmse:g} meV/atom" if args.max_energy_rmse else "",
        f"force <= {args.max_force_rmse:g} meV/Å" if args.max_force_rmse else "") if t)
    print(f"\nPlan: the cheapest setting whose {100 * args.confidence:g} % upper bound meets "
          f"{targets} (pool {pool} configurations):")
    if result["choice"] is not None:
        print("  " + describe(result["choice"]))
    elif result["cheapest_meeting"] is not None:
        print(f"  none within {args.budget_minutes:g} min; the cheapest that meets them:")
        print("  " + describe(result["cheapest_meeting"]))
    else:
        print("  no setting up to the whole pool meets them with this confidence")
    candidates = result["candidates"]
    front = candidates[candidates["on_predicted_front"]]
    by_level = front.groupby(["twojmax", "train_level"]).agg(
        front_points=("size", "size"), dft_min_from=("dft_cost_s", "min"),
        dft_min_to=("dft_cost_s", "max"), sizes_from=("size", "min"), sizes_to=("size", "max"),
        best_energy_meV_per_atom=("predicted_energy", "min"),
        best_force_meV_per_A=("predicted_force", "min")).reset_index()
    by_level[["dft_min_from", "dft_min_to"]] /= 60.0
    print(f"Predicted front: {len(front)} of {len(candidates)} settings (medians); where each "
          "level is on it:")
    print(by_level.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.out:
        from .io.storage import write_csv

        write_csv(candidates, args.out)
        print(f"wrote every candidate with its interval to {args.out}")


def _check(args) -> int:
    from .dft.store import DEFAULT_RECORD_STORE
    from .io.integrity import check_tree

    store = args.record_store or Path(args.results).parent / DEFAULT_RECORD_STORE
    roots = [Path(args.results)] + ([store] if Path(store).is_dir() else [])
    n, problems, notes = 0, [], []
    for root in roots:
        checked, found, noted = check_tree(root)
        n, problems, notes = n + checked, problems + found, notes + noted
    for line in notes:
        print(f"note: {line}")
    for line in problems:
        print(line)
    print(f"checked {n} HDF5 files, CSV tables and DFT records under "
          f"{' and '.join(str(r) for r in roots)}: {len(problems)} not as written")
    return 1 if problems else 0


def _estimate(args) -> int:
    from .config import check_config, schema_error
    from .models.cost_model import Problem, estimate, measure_rates

    _check_numbers(args, ["dft_seconds", "n_configs", "atoms", "rate_seconds"])
    config = _read_yaml(args.configfile, "--configfile", "a workflow config (YAML)")
    if not isinstance(config, dict):
        raise ValueError(f"--configfile {args.configfile}: not a workflow config (a YAML mapping "
                         "of sections such as dft, descriptors, fit)")
    schema = Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"
    if schema.exists():
        problem = schema_error(config, schema, [args.configfile])
        if problem:
            raise ValueError(problem)
    check_config(config)
    twojmax = [int(j) for j in config["descriptors"]["twojmax"]]
    print(f"measuring rates on this machine ({args.rate_seconds:g} s each)...", flush=True)
    rates = measure_rates(twojmax, config["element"], config["descriptors"], args.rate_seconds)
    for line in rates.lines():
        print(f"  {line}")
    p = Problem.of(config, args.n_configs, args.atoms)
    table = estimate(config, rates, args.dft_seconds, p)
    print(f"\n{args.configfile}: {p.n_configs} configurations of {p.atoms:.3g} atoms on average "
          f"({p.n_train} train / {p.n_test} test), {p.levels} levels, descriptors in {p.parts} "
          f"part(s) per 2Jmax, sweep jobs of {p.repeats_per_job} repeat(s)\n")
    shown = table.assign(hours=table["hours"].map(lambda h: f"{h:,.1f}"),
                         peak_memory_GB=table["peak_memory_GB"].map(
                             lambda m: "" if m != m else f"{m:.2f}"),
                         disk_GB=table["disk_GB"].map(lambda d: "" if d != d else f"{d:.1f}"))
    print(shown.to_string(index=False))
    for unit, part in table.groupby("unit"):
        print(f"total {unit}-hours: {part['hours'].sum():,.0f}")
    print(f"total disk: {table['disk_GB'].sum():,.1f} GB (descriptors; labels and tables are "
          "small)")
    return 0


def _properties(args) -> int:
    from .descriptors.snap import check_reference_pair
    from .axes.properties import DEFAULTS, lammps_evaluator, material_properties, pair_commands

    check_reference_pair(args.reference_pair or ())
    _check_snap_files(args.coeff, args.param)
    lattices = None
    if args.lattice:
        lattices = {}
        for item in args.lattice:
            phase, _, value = item.partition("=")
            params = dict(zip(("a", "c"), (float(v) for v in value.split(","))))
            lattices[phase] = params
    settings = {**DEFAULTS, "phases": args.phases, "elastic_strain": args.strain,
                "eos_volume_range": args.volume_range,
                "vacancy_supercell": args.vacancy_supercell}
    evaluate = lammps_evaluator(pair_commands(args.coeff, args.param, args.element,
                                              args.reference_pair or ()), args.element)
    values = material_properties(evaluate, args.element, settings, lattices)
    for key, value in values.items():
        print(f"{key:40s} {value:.6g}" if isinstance(value, float) else f"{key:40s} {value}")
    return 0


def main(argv=None) -> int:
    """The ``mlipcost`` command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="mlipcost", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit SNAP from a FitSNAP input file and an extxyz data set")
    fit.add_argument("--fitsnap-input", required=True, type=Path)
    fit.add_argument("--data", required=True, type=Path, help="extxyz (.gz) with info['group']")
    fit.add_argument("--out", required=True, type=Path)
    fit.add_argument("--workers", type=int, default=0,
                     help="LAMMPS processes computing descriptors (default: every core this "
                     "process may use)")
    fit.set_defaults(func=_fit)
    pareto = sub.add_parser("pareto", help="the 3-objective front of the paper's result files")
    pareto.add_argument("--paper-dir", required=True, type=Path,
                        help="folder with the paper's 3D_pareto/n{size}.csv.gz")
    pareto.add_argument("--max-energy", type=float, default=22.0, help="meV/atom")
    pareto.add_argument("--max-force", type=float, default=200.0, help="meV/Å")
    pareto.set_defaults(func=_pareto)
    tables = sub.add_parser("tables", help="the Tables 4/5 analog (whole training half, energy- "
                            "and force-weighted)")
    where = tables.add_mutually_exclusive_group(required=True)
    where.add_argument("--paper-dir", type=Path, help="the paper's folder with 2D_pareto.csv")
    where.add_argument("--results", type=Path, help="a workflow's results folder")
    tables.add_argument("--energy-weighted", type=float, default=150.0)
    tables.add_argument("--force-weighted", type=float, default=12.25)
    tables.set_defaults(func=_tables)
    claims = sub.add_parser("claims", help="the paper's claims, each tested on the paper's files "
                            "and/or a workflow's results")
    claims.add_argument("--paper-dir", type=Path, help="the paper's 2Jmax-6 result folder")
    claims.add_argument("--results", type=Path, help="a workflow's results folder")
    claims.add_argument("--configfile", type=Path, help="the config of --results")
    claims.add_argument("--bootstrap", type=int, default=200,
                        help="resamples of the repeats for each verdict's stability (0: none)")
    claims.add_argument("--claims-file", type=Path,
                        help="the paper's paper_tables.yaml: print its claim texts")
    claims.set_defaults(func=_claims)
    rec = sub.add_parser("recommend", help="the cheapest front settings that meet your targets")
    source = rec.add_mutually_exclusive_group()
    source.add_argument("--summary", type=Path, default=Path("results/pareto/summary.csv"),
                        help="the workflow's pareto/summary.csv (default)")
    source.add_argument("--paper-dir", type=Path, help="the paper's 3D_pareto folder instead")
    rec.add_argument("--budget-minutes", type=float, required=True)
    rec.add_argument("--max-energy-rmse", type=float, help="meV/atom, test vs reference")
    rec.add_argument("--max-force-rmse", type=float, help="meV/Å, test vs reference")
    rec.add_argument("--min-md-speed", type=float, help="atoms·timestep/s")
    rec.set_defaults(func=_recommend)
    plan = sub.add_parser("plan", help="learning curves from a pilot's small training sizes: "
                          "predicted errors, intervals and the cheapest setting that meets "
                          "targets")
    runs = plan.add_mutually_exclusive_group(required=True)
    runs.add_argument("--paper-dir", type=Path, help="the paper's 3D_pareto folder")
    runs.add_argument("--results", type=Path, help="a workflow's results folder (sweep/2J*.csv)")
    plan.add_argument("--max-pilot-size", type=int, required=True,
                      help="fit only on training sizes up to this")
    plan.add_argument("--predict-size", type=int, nargs="+",
                      help="sizes to predict (default: the largest in the runs)")
    plan.add_argument("--confidence", type=float, default=0.9, help="interval (default 0.9)")
    plan.add_argument("--max-energy-rmse", type=float, help="target, meV/atom vs reference")
    plan.add_argument("--max-force-rmse", type=float, help="target, meV/Å vs reference")
    plan.add_argument("--budget-minutes", type=float, help="DFT budget for the plan")
    plan.add_argument("--pool-size", type=int,
                      help="configurations available (default: the largest size in the runs)")
    plan.add_argument("--out", type=Path, help="write every candidate setting to this CSV")
    plan.set_defaults(func=_plan)
    est = sub.add_parser("estimate", help="jobs, core-hours, memory and disk of each stage of a "
                         "study, from rates measured on this machine")
    est.add_argument("--configfile", type=Path, required=True)
    est.add_argument("--dft-seconds", type=float,
                     help="seconds per configuration for levels without seconds_per_config")
    est.add_argument("--n-configs", type=int, help="override the configurations counted from "
                     "the config (e.g. a paper_hdf file not on this machine)")
    est.add_argument("--atoms", type=float, help="override the mean atoms per configuration")
    est.add_argument("--rate-seconds", type=float, default=1.0,
                     help="seconds spent measuring each rate (default 1)")
    est.set_defaults(func=_estimate)
    check = sub.add_parser("check", help="read every HDF5 file and DFT record of a results "
                           "folder; name the truncated or corrupted ones and the rule that "
                           "remakes them (exit 1 if any)")
    check.add_argument("results", type=Path, help="a results folder, e.g. results/")
    check.add_argument("--record-store", type=Path, default=None,
                       help="the DFT record store (default: dft-records beside the results "
                       "folder, when there is one)")
    check.set_defaults(func=_check)
    props = sub.add_parser("properties", help="lattice constants, bulk moduli, phase "
                           "energies, elastic constants and vacancy energy of a SNAP potential "
                           "in LAMMPS")
    props.add_argument("--coeff", type=Path, required=True, help=".snapcoeff")
    props.add_argument("--param", type=Path, required=True, help=".snapparam")
    props.add_argument("--element", required=True)
    props.add_argument("--phases", nargs="+", default=["hcp", "bcc", "fcc"],
                       help="the first is the ground state (elastic constants, vacancy)")
    props.add_argument("--lattice", nargs="+", metavar="PHASE=A[,C]",
                       help="starting lattice parameters (Å), e.g. bcc=3.31 hcp=2.29,3.58")
    props.add_argument("--reference-pair", nargs="+", metavar="LINE",
                       help="the reference potential's LAMMPS lines, e.g. 'pair_style zbl 4.0 "
                       "4.8' 'pair_coeff * * 73 73'")
    props.add_argument("--strain", type=float, default=0.01, help="elastic ± strain")
    props.add_argument("--volume-range", type=float, default=0.06,
                       help="EOS volumes ± this fraction")
    props.add_argument("--vacancy-supercell", type=int, nargs=3, default=[2, 2, 2])
    props.set_defaults(func=_properties)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"mlipcost {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
