"""The adaptive plan on a labelled study, offline, against the full study's own answer.

For each pair of targets (meV/atom, meV/Å) it runs ``mlipcost.plan.adaptive`` on the study's labels
(every round charged at the measured CPU seconds of the labels it uses) and prints: the plan's
total DFT (every level, the validation labels included), the full study's cheapest setting whose
median test errors meet the targets plus the same validation labels, and labelling the training
pool at the reference level plus those labels; the ratios (goals: <= 1.5 and <= 0.5); and the
chosen model's errors on the check set (the test half less the validation set, which no decision
saw).

The rules of mlipcost.plan.adaptive were designed on the Be ladder study (results/study of
`make study`): its numbers here are a design score, not a validation.

Run (after `make study`):
  .venv/bin/python benchmarks/adaptive_plan.py [--results results/study]
      [--configfile config/be_ladder.yaml] [--targets 40/400,35/320,32/280] [--validation-size 40]
"""

import argparse
import sys
import time
from pathlib import Path

import yaml

from mlipcost.plan.adaptive import AdaptiveSettings, load_problem, run_adaptive, study_comparison
from mlipcost.io.storage import read_result_tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/study"))
    parser.add_argument("--configfile", type=Path, default=Path("config/be_ladder.yaml"))
    parser.add_argument("--targets", default="40/400,35/320,32/280")
    parser.add_argument("--validation-size", type=int, default=40)
    parser.add_argument("--growth", type=float, default=1.5)
    args = parser.parse_args()
    config = yaml.safe_load(args.configfile.read_text())
    levels = [str(e["name"]) for e in config["dft"]["levels"]]
    reference = str(config["fit"]["reference_level"])
    twojmax = [int(j) for j in config["descriptors"]["twojmax"]]
    settings = AdaptiveSettings(targets={}, energy_weights=config["fit"]["energy_weights"],
                                validation_size=args.validation_size, growth=args.growth)
    t = time.perf_counter()
    problem = load_problem(args.results / "structures.h5",
                           {j: args.results / f"descriptors/2J{j}.h5" for j in twojmax},
                           [args.results / f"labels/level{lv}.h5" for lv in levels], config,
                           settings)
    sweep = read_result_tables(sorted(args.results.glob("sweep/2J[0-9]*.csv")))
    print(f"loaded in {time.perf_counter() - t:.1f} s: {len(problem.order)} training candidates, "
          f"{len(problem.validation)} validation, {len(problem.check)} check configurations")
    for pair in args.targets.split(","):
        energy, force = (float(v) for v in pair.split("/"))
        settings.targets = {"energy": energy, "force": force}
        print(f"\ntargets {energy:g} meV/atom, {force:g} meV/Å")
        result = run_adaptive(problem, settings, reference, log=lambda line: print("  " + line))
        outcome = result["outcome"]
        ratio = result["bounds"].assign(
            ratio=lambda t: t["bound_loss"] / t["target_loss"]).groupby("twojmax")["ratio"].max()
        print("  reach bound (the validation set's in-sample loss ÷ the targets' loss, largest "
              "over weights; > 1: out of reach): "
              + ", ".join(f"2Jmax {j} {r:.2f}" for j, r in ratio.items()))
        numbers = study_comparison(outcome, problem, sweep, reference, settings.targets)
        if outcome["status"] == "reached":
            print(f"  chosen: 2Jmax {outcome['twojmax']}, level {outcome['train_level']}, "
                  f"{outcome['size']} configurations, energy weight {outcome['energy_weight']:g};"
                  f" validation {outcome['validation_energy']:.1f} meV/atom, "
                  f"{outcome['validation_force']:.0f} meV/Å; check set "
                  f"{outcome['check_energy']:.1f} meV/atom, {outcome['check_force']:.0f} meV/Å")
        else:
            print(f"  {outcome['status']}")
        print(f"  DFT: plan {numbers['spent_s']:.0f} CPU-s (validation "
              f"{numbers['validation_labels_s']:.0f}); study's cheapest adequate + validation "
              f"{numbers.get('study_cheapest_plus_validation_s', float('nan')):.0f} "
              f"({numbers.get('study_cheapest_adequate')}); reference-level pool + validation "
              f"{numbers['reference_pool_plus_validation_s']:.0f}")
        print(f"  ratio to the study's cheapest {numbers.get('ratio_to_study_cheapest', float('nan')):.2f} "
              f"(goal <= 1.5); fraction of the reference pool "
              f"{numbers['fraction_of_reference_pool']:.2f} (goal <= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
