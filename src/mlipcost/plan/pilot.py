"""Plan, then label: order a candidate pool by leverage before any DFT, label a pilot prefix at
every level, and predict from its learning curves what the rest of the budget should buy.

Descriptors need no labels, so the leverage of the pool's (unlabelled) design rows is known
before a single DFT calculation. The pool's training half is put in one seeded order (the
paper's leverage sampling: successive draws without replacement with probability ∝ score);
every "which n configurations" afterwards (the pilot, production) is a prefix of it. Test
configurations are a seeded random draw from the pool's test half.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..descriptors.snap import DescriptorFile
from ..models.fit import FitData, ForceRows, leverage_scores, sampling_order
from ..analysis.pareto import nearest_weight
from ..io.storage import open_h5, read_csv, write_csv
from ..structures.configurations import BULK_REFERENCE, Structures, read_structures, write_structures

ORDER_SCORES = ("leverage", "block_leverage")


def unlabelled_fit_data(desc: DescriptorFile, configs: np.ndarray) -> FitData:
    """The design rows of ``configs`` with zero targets: all leverage needs."""
    idx = np.asarray(configs, dtype=int)
    force = ForceRows(desc, idx)
    return FitData(desc.energy_rows[idx], np.zeros((len(idx), 1)), force,
                   [np.zeros((int(n), 1)) for n in force.n_force], ["unlabelled"], idx)


def pool_order(structures_path: Path, descriptor_path: Path, energy_weight: float, score: str,
               seed: int) -> pd.DataFrame:
    """The pool's training candidates in sampling order, with their leverage scores."""
    if score not in ORDER_SCORES:
        raise ValueError(f"plan.order_score: {score!r}; choose one of {list(ORDER_SCORES)}")
    structures = read_structures(structures_path)
    with open_h5(structures_path, "pool_structures") as h5:
        valid = h5["valid"][()]
        source_id = h5["source_id"][()]
    candidates = np.flatnonzero(structures.is_train & valid & ~structures.is_bulk_reference)
    desc = DescriptorFile(descriptor_path)
    data = unlabelled_fit_data(desc, candidates)
    scores = leverage_scores(data, np.arange(len(candidates)), energy_weight)
    # leverage_scores reports configurations in ascending index order, as candidates are
    order = sampling_order(len(candidates), score, np.random.default_rng(seed),
                           scores[score].to_numpy())
    return pd.DataFrame({
        "order": np.arange(len(candidates)),
        "pool_index": candidates[order],
        "source_id": source_id[candidates[order]],
        "leverage": scores["leverage"].to_numpy()[order],
        "block_leverage": scores["block_leverage"].to_numpy()[order],
        "rank": int(scores["rank"].iloc[0]),
    })


def run_pool_order(structures_path: Path, descriptor_path: Path, energy_weight: float,
                   score: str, seed: int, out: Path, log=print) -> None:
    """Order the pool's training candidates by ``score`` before any DFT and write the order."""
    order = pool_order(structures_path, descriptor_path, energy_weight, score, seed)
    write_csv(order, out)
    log(f"{len(order)} training candidates ordered by {score} (energy weight {energy_weight:g}, "
        f"seed {seed}); design rank {order['rank'].iloc[0]}")


def pilot_indices(structures_path: Path, order: pd.DataFrame, n_train: int, n_test: int,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pool indices of the pilot's training configurations (the order's first ``n_train``) and
    test configurations (``n_test`` drawn from the pool's test half), plus the bulk reference."""
    structures = read_structures(structures_path)
    with open_h5(structures_path, "pool_structures") as h5:
        valid = h5["valid"][()]
    if n_train > len(order):
        raise ValueError(f"plan.pilot_size {n_train} exceeds the pool's {len(order)} training "
                         "candidates; lower it or add configurations to the pool")
    test_pool = np.flatnonzero(~structures.is_train & valid & ~structures.is_bulk_reference)
    if n_test > len(test_pool):
        raise ValueError(f"plan.test_size {n_test} exceeds the pool's {len(test_pool)} test "
                         "candidates; lower it or add configurations to the pool")
    test = np.sort(np.random.default_rng(seed).choice(test_pool, n_test, replace=False))
    train = order["pool_index"].to_numpy()[:n_train]
    reference = np.flatnonzero(structures.is_bulk_reference)
    return train, np.concatenate([test, reference])


def make_pilot_structures(pool_path: Path, order_path: Path, n_train: int, n_test: int,
                          seed: int, settings: dict, out: Path, log=print) -> None:
    """structures.h5 of the pilot: its training prefix (in sampling order), its test draw and
    the pool's bulk reference; ``source_id`` is the pool index, so production finds them."""
    pool = read_structures(pool_path)
    order = read_csv(order_path)
    train, rest = pilot_indices(pool_path, order, n_train, n_test, seed)
    chosen = np.concatenate([train, rest])
    pilot = Structures.from_atoms([pool.atoms(i) for i in chosen],
                                  [pool.kinds[i] for i in chosen])
    pilot.is_train = np.r_[np.ones(len(train), bool), np.zeros(len(rest), bool)]
    write_structures(out, pilot, settings, source_ids=chosen)
    kinds = pd.Series(pilot.kinds).value_counts().to_dict()
    log(f"pilot: {len(train)} training configurations (the {order_path.name} prefix) and "
        f"{int((~pilot.is_train & ~pilot.is_bulk_reference).sum())} test configurations of "
        f"{len(pool)} in the pool; kinds {kinds}; bulk reference "
        f"{'kept' if BULK_REFERENCE in pilot.kinds else 'absent'}")


def _figure_setting(runs: pd.DataFrame, choice, energy_weight: float) -> dict:
    """The (2Jmax, sampler, energy weight) the figure shows: the plan's choice, else the largest
    2Jmax, leverage sampling where run, and the weight nearest ``energy_weight``."""
    if choice is not None:
        return {k: choice[k] for k in ("twojmax", "sampler", "energy_weight")}
    samplers = runs["sampler"].unique().tolist()
    return {"twojmax": int(runs["twojmax"].max()),
            "sampler": "leverage" if "leverage" in samplers else samplers[0],
            "energy_weight": nearest_weight(runs["energy_weight"].unique(), energy_weight)}


def reach_by_twojmax(structures_path: Path, descriptors: list[Path], label_paths: list[Path],
                     reference_level: str, energy_weights: list, targets: dict,
                     confidence: float) -> pd.DataFrame:
    """Per 2Jmax and energy weight, whether the targets are out of reach at any size and level:
    the in-sample loss of the reference-level fit on the pilot's test draw (a random sample)
    bounds from below what any model of that 2Jmax reaches (``adaptive.in_sample_reach``)."""
    from ..dft.labels import analysis_set
    from ..models.fit import build_fit_data
    from .adaptive import in_sample_reach

    parts: dict[int, list[Path]] = {}
    for path in descriptors:              # a file, or the parts of one in order
        parts.setdefault(int(DescriptorFile(path).twojmax), []).append(Path(path))
    structures, labels, use = analysis_set(structures_path, label_paths)
    reference = [lab.level for lab in labels].index(str(reference_level))
    rows = []
    for j, paths in sorted(parts.items()):
        data = build_fit_data(DescriptorFile(paths if len(paths) > 1 else paths[0]), labels, use)
        test = np.flatnonzero(~structures.is_train[data.config_index])
        rows += [{"twojmax": j, **row} for row in in_sample_reach(
            data, test, reference, energy_weights, targets, confidence, 200,
            np.random.default_rng(j))]
    return pd.DataFrame(rows)


def run_plan(sweep_paths: list[Path], order_path: Path, settings: dict, out_predictions: Path,
             out_plan: Path, out_curves: Path, out_front: Path, log=print,
             descriptors: list[Path] = (), structures_path: Path | None = None,
             label_paths: list[Path] = ()) -> None:
    """Learning curves of the pilot's sweep, predicted at sizes up to the pool's training
    candidates, and the cheapest setting whose upper bound meets ``plan.targets``.
    ``descriptors`` (the pilot's, every 2Jmax) place each 2Jmax's interpolation size; with
    ``structures_path`` and ``label_paths`` too (and both targets), the pilot's test draw says
    which 2Jmax cannot meet the targets at any size (``reach_by_twojmax``)."""
    from .curves import (CURVE_KEYS, ERROR_UNITS, identification_advice, interpolation_sizes, plan,
                         predict_errors, seconds_per_configuration)
    from ..analysis.plots import plan_curves, predicted_front
    from ..io.storage import read_result_tables
    from ..analysis.tables import write_table

    runs = read_result_tables(sweep_paths)
    pool = len(read_csv(order_path))
    pilot_max = int(runs["size"].max())
    confidence = float(settings.get("confidence", 0.9))
    sizes = np.unique(np.r_[np.geomspace(runs["size"].min(), max(pool, pilot_max), 30).round(),
                            runs["size"].unique(), pool]).astype(int)
    interpolation = interpolation_sizes(descriptors) if descriptors else None
    predictions = predict_errors(runs, pilot_max, sizes, confidence, interpolation)
    for line in identification_advice(predictions):
        log(line)
    write_csv(predictions, out_predictions)
    targets = settings.get("targets", {})
    max_energy, max_force = targets.get("energy_meV_per_atom"), targets.get("force_meV_per_A")
    budget = settings.get("budget_core_hours")
    result = plan(predictions, seconds_per_configuration(runs, "dft_cost_s"), max_energy,
                  max_force, None if budget is None else 3600.0 * budget)
    candidates = result["candidates"]
    rows = []
    for what, row in (("plan", result["choice"]), ("cheapest meeting the targets",
                                                   result["cheapest_meeting"])):
        if row is not None:
            rows.append({"what": what, **row.to_dict()})
    cheapest_per_level = (candidates[candidates["on_predicted_front"].astype(bool)]
                          .sort_values("dft_cost_s").groupby("train_level").head(1)
                          if len(candidates) else candidates)
    for _, row in cheapest_per_level.iterrows():
        rows.append({"what": f"cheapest front point of level {row['train_level']}", **row.to_dict()})
    if (structures_path is not None and label_paths and descriptors
            and max_energy is not None and max_force is not None):
        reach = reach_by_twojmax(structures_path, descriptors, label_paths,
                                 settings["reference_level"], sorted(runs["energy_weight"].unique()),
                                 {"energy": max_energy, "force": max_force}, confidence)
        for j, part in reach.groupby("twojmax"):
            worst = part.assign(ratio=part["bound_loss"] / part["target_loss"]).sort_values(
                "ratio").iloc[-1]
            out = bool(part["out_of_reach"].any())
            rows.append({"what": "out of reach at any size and level" if out else
                         "not ruled out by the test draw's in-sample error", "twojmax": j,
                         "energy_weight": worst["energy_weight"],
                         "in_sample_loss_over_targets_loss": worst["ratio"]})
            if out:
                log(f"2Jmax {j}: out of reach at any size and level: the reference-level fit's "
                    f"in-sample loss on the test draw is {worst['ratio']:.3g}× what the targets "
                    f"allow at energy weight {worst['energy_weight']:g}")
    unidentified = predictions[~predictions["identified"]]
    for (twojmax, sampler), part in unidentified.groupby(["twojmax", "sampler"], sort=True):
        rows.append({"what": "curves the pilot does not identify", "twojmax": twojmax,
                     "sampler": sampler,
                     "curves": len(part.drop_duplicates(CURVE_KEYS + ["metric"])),
                     "identify_with_pilot_to": int(part["identify_with_pilot_to"].max())})
    table = pd.DataFrame(rows)
    table["dft_cost_core_hours"] = table.get("dft_cost_s", np.nan) / 3600.0
    write_table(table, out_plan.with_suffix(""))
    choice = result["choice"]
    if choice is not None:
        log(f"plan: 2Jmax {choice['twojmax']}, level {choice['train_level']}, "
            f"{choice['sampler']}, energy weight {choice['energy_weight']:g}, "
            f"{int(choice['size'])} configurations, {choice['dft_cost_s'] / 3600:.3g} core-hours; "
            f"predicted {choice['predicted_energy']:.3g} {ERROR_UNITS['energy']}, "
            f"{choice['predicted_force']:.3g} {ERROR_UNITS['force']}")
    else:
        log(f"no setting up to the pool's {pool} configurations meets {targets} with "
            f"{100 * confidence:g} % confidence within the budget")
    setting = _figure_setting(runs, choice, 150.0)
    plan_curves(predictions, runs, out_curves, setting,
                {"energy": max_energy, "force": max_force}, pilot_max,
                f"Pilot learning curves, predicted to the pool ({pool} configurations): 2Jmax "
                f"{setting['twojmax']}, {setting['sampler']}, energy weight "
                f"{setting['energy_weight']:g}; bands {100 * confidence:g} %")
    predicted_front(candidates, out_front,
                    f"Predicted front from the pilot (sizes ≤ {pilot_max}, medians with "
                    f"{100 * confidence:g} % intervals)")
