"""Command line: ``mlipcost fit`` (FitSNAP input files) and ``mlipcost pareto`` (sweep tables or
the paper's published result files)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _fit(args) -> int:
    from .fitsnap_compat import run_fitsnap_input

    result = run_fitsnap_input(args.fitsnap_input, args.data, args.out)
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
    from .pareto import PAPER_OBJECTIVES, budget_bands, paper_front

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


def _recommend(args) -> int:
    import pandas as pd

    from .pareto import describe, paper_front, recommend

    if args.paper_dir:
        points, front_col = paper_front(args.paper_dir), "on_front"
    else:
        points = pd.read_csv(args.summary)
        front_col = "on_front_all_2jmax"
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="mlipcost", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit SNAP from a FitSNAP input file and an extxyz data set")
    fit.add_argument("--fitsnap-input", required=True, type=Path)
    fit.add_argument("--data", required=True, type=Path, help="extxyz (.gz) with info['group']")
    fit.add_argument("--out", required=True, type=Path)
    fit.set_defaults(func=_fit)
    pareto = sub.add_parser("pareto", help="the 3-objective front of the paper's result files")
    pareto.add_argument("--paper-dir", required=True, type=Path,
                        help="folder with the paper's 3D_pareto/n{size}.csv.gz")
    pareto.add_argument("--max-energy", type=float, default=22.0, help="meV/atom")
    pareto.add_argument("--max-force", type=float, default=200.0, help="meV/Å")
    pareto.set_defaults(func=_pareto)
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
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"mlipcost {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
