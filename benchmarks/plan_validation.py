"""How well a pilot's learning curves predict larger training sizes, on every curve set at hand.

For each set, each (2Jmax, sampler) and a pilot of its 2, 3 and 4 smallest training sizes, the
learning-curve model of ``mlipcost.plan.curves`` predicts the median test RMSE (vs the reference level)
of every (level, energy weight) curve at every larger size; printed: the median and largest
relative error and the coverage of the central intervals, for the largest size (the acceptance)
and for all larger sizes.

Sets (each optional; a missing one is reported and skipped):
- paper_3d: the paper's 3D_pareto files (leverage sampling, 2Jmax 6, sizes 100-9,990);
- paper_samplers: its sampling_methods_comparison files (random / leverage / block leverage,
  level 6, 50 repeats, sizes 100-3,000);
- ladder: a study's sweep (`make study`: results/study/sweep/2J*.csv; 2Jmax 4/6/8, three
  samplers, sizes 5-150);
- demo: `make demo`'s sweep (results/sweep/2J*.csv);
- <family> (e.g. mace): a study's trained-family curves (results/study/models/<family>.csv: each
  level's learning curve, its whole-half model as the largest size; one curve per level, no
  energy weight; the 2Jmax column names the family). A curve is a curve: the same model, no
  interpolation size (a neural network has no column count).
The set the model was designed on is named by --design (the paper's 3D files: its rules and
constants were chosen looking at them); the others are the score.

Run: .venv/bin/python benchmarks/plan_validation.py [--paper-dir ../shared/reference/paper_2jmax6]
     [--ladder results/study] [--demo results] [--confidence 0.9] [--out validation.csv]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mlipcost.analysis.claims import read_paper_samplers
from mlipcost.analysis.pareto import read_paper_3d
from mlipcost.plan.curves import backtest, interpolation_sizes
from mlipcost.io.storage import read_csv, read_result_tables
from mlipcost.models import TRAINED_FAMILIES
from mlipcost.models.fit import WHOLE_HALF


def trained_family_runs(path: Path, family: str) -> pd.DataFrame:
    """A trained family's rows as learning-curve runs: each sampled curve with its level's
    whole-half model as the largest size (the whole half ends every ordering)."""
    table = read_csv(path)
    table["train_level"] = table["train_level"].astype(str)
    curves = table[table["sampler"] != WHOLE_HALF]
    whole = table[table["sampler"] == WHOLE_HALF]
    parts = [curves]
    for sampler, part in curves.groupby("sampler"):
        parts.append(whole[whole["train_level"].isin(set(part["train_level"]))]
                     .assign(sampler=sampler))
    return pd.concat(parts, ignore_index=True).assign(twojmax=family, energy_weight=0.0)


def curve_sets(args) -> dict:
    """name -> (runs, interpolation sizes per 2Jmax or None)."""
    sets = {}
    paper = Path(args.paper_dir)
    # the paper's files carry no descriptors; its sizes (>= 100 configurations of tens of atoms)
    # lie far above 2Jmax 6's 495 columns' interpolation size
    if (paper / "3D_pareto").is_dir():
        sets["paper_3d"] = read_paper_3d(paper / "3D_pareto"), None
    if (paper / "sampling_methods_comparison").is_dir():
        sets["paper_samplers"] = read_paper_samplers(paper / "sampling_methods_comparison"), None
    for name, folder in (("ladder", args.ladder), ("demo", args.demo)):
        paths = sorted(Path(folder).glob("sweep/2J[0-9]*.csv")) if folder else []
        if paths:
            descriptors = sorted(Path(folder).glob("descriptors/2J[0-9]*.h5"))
            sets[name] = read_result_tables(paths), (interpolation_sizes(descriptors)
                                                     if descriptors else None)
        elif folder:
            print(f"{name}: no {folder}/sweep/2J*.csv (skipped)")
    for family in TRAINED_FAMILIES:
        path = Path(args.ladder) / "models" / f"{family}.csv" if args.ladder else None
        if path is not None and path.exists():
            runs = trained_family_runs(path, family)
            if runs["sampler"].ne(WHOLE_HALF).any():
                sets[family] = runs, None
    return sets


def line(compared: pd.DataFrame) -> dict:
    """Errors of the identified predictions (three pilot sizes on the curve's tail), coverage
    of all intervals."""
    identified = compared[compared["identified"]]
    rel = identified["relative_error_pct"].abs()
    with np.errstate(divide="ignore"):
        width = np.log(compared["upper"] / compared["lower"])
    return {"predictions": len(compared), "identified_pct": 100 * compared["identified"].mean(),
            "median_pct": rel.median(), "largest_pct": rel.max(),
            "coverage_pct": 100 * compared["covered"].mean(),
            "median_log_width": width.median()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paper-dir", default="../shared/reference/paper_2jmax6")
    parser.add_argument("--ladder", default="results/study")
    parser.add_argument("--demo", default="results")
    parser.add_argument("--design", default="paper_3d")
    parser.add_argument("--confidence", type=float, default=0.9)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sets = curve_sets(args)
    rows, tables = [], []
    for name, (runs, interpolation) in sets.items():
        if interpolation:
            print(f"{name}: interpolation sizes (configurations) "
                  + ", ".join(f"2Jmax {j}: {n:.1f}" for j, n in sorted(interpolation.items())))
        for k in (2, 3, 4):
            t = time.perf_counter()
            compared = backtest(runs, k, args.confidence, interpolation)
            if compared.empty:
                continue
            compared = compared.dropna(subset=["actual"]).assign(set=name, pilot_sizes_count=k)
            tables.append(compared)
            largest = compared.groupby(["twojmax", "sampler"])["size"].transform("max")
            for scope, part in (("largest size", compared[compared["size"] == largest]),
                                ("every larger size", compared)):
                rows.append({"set": name + (" (design)" if name == args.design else ""),
                             "pilot": f"{k} sizes", "predicting": scope, **line(part),
                             "seconds": time.perf_counter() - t})
    table = pd.DataFrame(rows)
    print(f"Pilot -> larger sizes, {100 * args.confidence:g} % intervals "
          "(relative errors of the predicted median test RMSE vs the reference level)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if args.out and tables:
        pd.concat(tables, ignore_index=True).to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
