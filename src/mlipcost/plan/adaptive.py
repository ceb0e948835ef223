"""Adaptive labelling: buy DFT in rounds, each round only at the levels still in contention, and
stop as soon as a model meets the targets on a validation set at the reference level, or as soon
as the learning curves say no level can within the pool.

Offline on a labelled study (a record store's labels stand for the calculations a round would
buy; every label a round uses is charged at its measured cost, once):

- before any DFT, the training half is put in one seeded leverage order (descriptors need no
  labels) and a validation set is drawn from the test half; it is labelled at the reference level
  only. The rest of the test half is a check set no decision sees;
- round r labels the order's first n_r configurations at every level in contention
  (n_1 = twice the smallest interpolation size of the 2Jmax studied; n_{r+1} = growth · n_r), fits every
  2Jmax and energy weight on each prefix size of the round's grid in the tail, and measures them
  on the validation set, with a standard error from resampling its configurations;
- it stops when the cheapest setting's validation errors meet both targets at the upper end of
  their ``confidence`` interval; otherwise a level leaves contention when every setting's learning
  curve (``plan.law_range``) says, even at the lower end, that it misses a target at the whole
  pool, or when its cheapest optimistic cost to reach the targets exceeds another level's
  pessimistic one. The reference level enters only when no cheaper level is left. When none is
  left the plan says the targets are out of reach before buying more.

Before the first round, the validation set says which 2Jmax can never meet the targets, whatever
the level and the size (``reach_bounds``): a least-squares fit's loss on its own training set is,
in expectation, at most the smallest loss any coefficients of that model reach on the population
(the fit minimises the former; the latter is the best the model can do), and every model's test
loss against the reference is at least that. The validation set is a random sample labelled at the
reference level, so its in-sample loss (lower end of its ``confidence`` interval over resampled
configurations) bounds what the 2Jmax can reach. A model meeting both targets has, at every energy
weight w, a weighted loss w²·E² + F²·(force rows per configuration) of at most the targets' (per
configuration; eV/atom, eV/Å): a 2Jmax whose bound exceeds that at some weight is out: it is
still fitted, but no longer keeps a level (or the reference, before the targets are declared out
of reach) in contention. When every
2Jmax is out, the plan says so before buying any training label. The bound needs more rows than
columns in the validation set, and is tighter the more it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from .curves import IDENTIFYING_SIZES, TAIL_FROM_INTERPOLATION, law_range

METRICS = ("energy", "force")
UNITS = {"energy": "meV/atom", "force": "meV/Å"}


@dataclass
class AdaptiveSettings:
    targets: dict                  # {"energy": meV/atom, "force": meV/Å}
    energy_weights: list
    validation_size: int = 40
    growth: float = 1.5
    confidence: float = 0.9
    seed: int = 0
    order_twojmax: int | None = None     # default: the largest
    order_energy_weight: float = 150.0
    n_resamples: int = 200
    budget_s: float | None = None        # DFT the plan may spend, validation included


@dataclass
class Problem:
    """Everything the rounds need, read once: per 2Jmax the fit data (every level as a target
    column; a label not at hand is zero there and never fitted), the order, the validation and
    check rows, the cost of every label at hand."""
    data: dict                     # twojmax -> FitData (rows: the candidate configurations)
    levels: list[str]              # cheapest first as configured; the reference among them
    order: np.ndarray              # fit-data rows of the training half, in sampling order
    validation: np.ndarray
    check: np.ndarray
    cost_s: np.ndarray             # rows × levels; NaN where the label is not at hand
    tail_from: dict                # twojmax -> smallest size on the learning curve's tail
    n_atoms: np.ndarray | None = None          # per row (None: one atom each)
    labelled: np.ndarray | None = None         # rows × levels: label at hand (None: every one)
    configurations: np.ndarray | None = None   # per row: its index in structures.h5


def build_problem(structures_path: Path, descriptor_paths: dict, labels: list, labelled,
                  config: dict, settings: AdaptiveSettings) -> Problem:
    """The problem on every configuration of structures.h5 that passed the structure checks (the
    bulk reference aside), whatever is labelled yet: ``labels`` has one Labels per configured
    level (NaN where not at hand) and ``labelled`` (configurations × levels) says which labels
    are at hand, successful or failed. The order and the validation draw need no label; a
    configuration whose DFT failed at any level leaves them (it cannot train or test a model)."""
    from dataclasses import replace

    from ..descriptors.snap import DescriptorFile
    from ..models.fit import build_fit_data, leverage_scores, sampling_order
    from ..structures.configurations import read_structures, valid_mask
    from .curves import interpolation_sizes

    structures = read_structures(structures_path)
    use = ~structures.is_bulk_reference
    valid = valid_mask(structures_path)
    if valid is not None:
        use &= valid
    index = np.flatnonzero(use)
    labelled = np.asarray(labelled, bool)
    failed = np.any(labelled & ~np.stack([lab.ok for lab in labels], axis=1), axis=1)[index]
    # a label not at hand (NaN) enters the fit data as zero: its level's columns are only
    # fitted on rows the plan has bought, which are at hand
    filled = [replace(lab, energy=np.nan_to_num(lab.energy), forces=np.nan_to_num(lab.forces))
              for lab in labels]
    data = {int(j): build_fit_data(DescriptorFile(p), filled, use)
            for j, p in descriptor_paths.items()}
    rng = np.random.default_rng(settings.seed)
    train = np.flatnonzero(structures.is_train[index])
    test = np.flatnonzero(~structures.is_train[index])
    j_order = settings.order_twojmax or max(data)
    scores = leverage_scores(data[j_order], train, settings.order_energy_weight)
    order = train[sampling_order(len(train), "leverage", rng, scores["leverage"].to_numpy())]
    if settings.validation_size >= len(test):
        raise ValueError(f"plan.adaptive.validation_size {settings.validation_size}: the test "
                         f"half has only {len(test)} configurations; lower it")
    validation = np.sort(rng.choice(test, settings.validation_size, replace=False))
    check = np.setdiff1d(test, validation)
    interpolation = interpolation_sizes(list(descriptor_paths.values()))
    return Problem(data, [lab.level for lab in labels], order[~failed[order]],
                   validation[~failed[validation]], check[~failed[check]],
                   known_costs(labels, config, labelled)[index],
                   {j: TAIL_FROM_INTERPOLATION * n for j, n in interpolation.items()},
                   n_atoms=structures.n_atoms[index].astype(float),
                   labelled=labelled[index], configurations=index)


def known_costs(labels: list, config: dict, labelled) -> np.ndarray:
    """Configurations × levels: the DFT cost (s) of every label at hand as ``pareto.cost``
    counts it (measured CPU or wall time; a level's ``seconds_per_config`` where it is
    'configured' or the label has no time), NaN for a label not at hand."""
    from ..dft.costs import measured_seconds

    mode = config.get("pareto", {}).get("cost", "measured")
    labelled = np.asarray(labelled, bool)
    columns = []
    for i, (entry, lab) in enumerate(zip(config["dft"]["levels"], labels)):
        seconds = (np.full(len(lab.energy), np.nan) if mode == "configured"
                   else np.asarray(measured_seconds(lab, "measured_cpu" if mode == "measured_cpu"
                                                    else "measured"), float))
        if "seconds_per_config" in entry:
            seconds = np.where(np.isfinite(seconds), seconds, float(entry["seconds_per_config"]))
        elif not np.isfinite(seconds[labelled[:, i]]).all():
            raise ValueError(f"dft.levels[{entry['name']}]: a label without a measured time and "
                             "no seconds_per_config; add seconds_per_config for its DFT cost")
        columns.append(np.where(labelled[:, i], seconds, np.nan))
    return np.stack(columns, axis=1)


def load_problem(structures_path: Path, descriptor_paths: dict, label_paths: list[Path],
                 config: dict, settings: AdaptiveSettings) -> Problem:
    """The problem on a study labelled at every level (offline: every label at hand, each
    round's purchases taken from it)."""
    from ..dft.labels import read_labels

    labels = [read_labels(p) for p in label_paths]
    labelled = np.ones((len(labels[0].energy), len(labels)), bool)
    return build_problem(structures_path, descriptor_paths, labels, labelled, config, settings)


def load_round_labels(structures_path: Path, label_paths: list[Path], levels: list[str]):
    """Each level's labels merged from the rounds' label files (NaN where no round bought one)
    and which are at hand (configurations × levels): what the workflow's rounds have bought."""
    from ..dft.labels import STATUS_NOT_REQUESTED, Labels, read_labels, read_statuses
    from ..structures.configurations import read_structures

    structures = read_structures(structures_path)
    n, n_atoms = len(structures), int(structures.n_atoms.sum())
    merged = {lv: Labels(energy=np.full(n, np.nan), forces=np.full((n_atoms, 3), np.nan),
                         stress=np.full((n, 6), np.nan), wall_time_s=np.full(n, np.nan),
                         ok=np.zeros(n, bool), reasons=[""] * n, offsets=structures.offsets,
                         level=lv, settings={}, cpu_time_s=np.full(n, np.nan))
              for lv in levels}
    labelled = np.zeros((n, len(levels)), bool)
    for path in label_paths:
        lab = read_labels(path)
        if lab.level not in merged:
            raise ValueError(f"{path}: level {lab.level!r} is not one of dft.levels {levels}")
        target = merged[lab.level]
        at_hand = np.array([s != STATUS_NOT_REQUESTED for s in read_statuses(path)])
        for i in np.flatnonzero(at_hand):
            rows = slice(structures.offsets[i], structures.offsets[i + 1])
            target.energy[i], target.forces[rows] = lab.energy[i], lab.forces[rows]
            target.wall_time_s[i], target.ok[i] = lab.wall_time_s[i], lab.ok[i]
            target.reasons[i] = lab.reasons[i]
            if lab.cpu_time_s is not None:
                target.cpu_time_s[i] = lab.cpu_time_s[i]
        labelled[at_hand, levels.index(lab.level)] = True
    return [merged[lv] for lv in levels], labelled


def per_config_errors(data, rows: np.ndarray, coefs: np.ndarray, target: int):
    """Per row of ``rows``: squared energy error (eV/atom)² and force error sum (eV/Å)² with its
    component count, for every coefficient column."""
    energy = (data.energy_a[rows] @ coefs - data.energy_y[rows, target][:, None]) ** 2
    force_sq = np.empty((len(rows), coefs.shape[1]))
    force_n = np.empty(len(rows))
    where = {c: i for i, c in enumerate(rows)}
    for c, a, y in data.force_blocks(rows):
        force_sq[where[c]] = ((a @ coefs - y[:, target][:, None]) ** 2).sum(0)
        force_n[where[c]] = len(y)
    return energy, force_sq, force_n


def rmse_with_se(energy, force_sq, force_n, n_resamples: int, rng) -> dict:
    """RMSE (meV) of every column and the standard error of its log, from resampling rows."""
    picks = rng.integers(0, len(energy), (n_resamples, len(energy)))
    out = {}
    for metric, num, den in (("energy", energy, np.ones(len(energy))),
                             ("force", force_sq, force_n)):
        value = 1e3 * np.sqrt(num.sum(0) / den.sum())
        boot = 1e3 * np.sqrt(num[picks].sum(1) / den[picks].sum(1)[:, None])
        out[metric] = value
        out[f"{metric}_log_se"] = np.log(boot).std(0)
    return out


def fit_prefixes(problem: Problem, twojmax: int, levels: list[str], sizes: list[int],
                 settings: AdaptiveSettings, rng) -> list[dict]:
    """Fits on the order's prefixes of ``sizes`` at each of ``levels`` (every energy weight),
    measured on the validation set against the reference level."""
    from ..models.fit import augmented_r, solve_weights

    data = problem.data[twojmax]
    n_levels, ref = len(problem.levels), len(problem.levels) - 1
    weights = list(settings.energy_weights)
    rows = []
    for size in sizes:
        energy, force, _, _ = augmented_r(data, problem.order[:size])
        coefs = solve_weights(energy.r, force.r, data.n_features, weights)   # K × weights·levels
        columns = [(w, level, w * n_levels + problem.levels.index(level))
                   for w in range(len(weights)) for level in levels]
        e, f, n = per_config_errors(data, problem.validation,
                                    coefs[:, [c for _, _, c in columns]], ref)
        measured = rmse_with_se(e, f, n, settings.n_resamples, rng)
        for i, (w, level, _) in enumerate(columns):
            rows.append({"twojmax": twojmax, "train_level": level, "size": size,
                         "energy_weight": float(weights[w]),
                         **{f"validation_{m}": float(measured[m][i]) for m in METRICS},
                         **{f"validation_{m}_log_se": float(measured[f"{m}_log_se"][i])
                            for m in METRICS}})
    return rows


def target_loss(targets: dict, energy_weight: float, force_rows_per_config: float,
                force_weight: float = 1.0) -> float:
    """The weighted loss per configuration ((eV/atom)², (eV/Å)²) of a model whose errors are
    exactly the targets (meV/atom, meV/Å): FitSNAP's weights multiply the rows."""
    return ((energy_weight * targets["energy"] / 1e3) ** 2
            + force_rows_per_config * (force_weight * targets["force"] / 1e3) ** 2)


def loss_lower_bound(loss_per_config: np.ndarray, confidence: float, n_resamples: int,
                     rng) -> np.ndarray:
    """The lower end of the one-sided ``confidence`` interval of the mean of each column of
    ``loss_per_config`` (configurations × columns), from resampling the configurations."""
    picks = rng.integers(0, len(loss_per_config), (n_resamples, len(loss_per_config)))
    means = loss_per_config[picks].mean(axis=1)
    return np.quantile(means, 1.0 - confidence, axis=0)


def in_sample_reach(data, configs: np.ndarray, reference: int, energy_weights: list,
                    targets: dict, confidence: float, n_resamples: int, rng) -> list[dict]:
    """Per energy weight: the in-sample weighted loss per configuration of the fit on
    ``configs`` (a random sample) to the reference level's labels (column ``reference`` of the
    fit data; the lower end of its ``confidence`` interval over resampled configurations), what a
    model meeting ``targets`` may have at most, and whether no model of these descriptors can."""
    from ..models.fit import augmented_r, solve_weights

    n_levels = data.energy_y.shape[1]
    weights = [float(w) for w in energy_weights]
    energy, force, n_energy, n_force = augmented_r(data, configs)
    coefs = solve_weights(energy.r, force.r, data.n_features, weights)
    columns = [w * n_levels + reference for w in range(len(weights))]
    e, f, n = per_config_errors(data, configs, coefs[:, columns], reference)
    loss = np.asarray(weights) ** 2 * e + f       # force weight 1, as the fits
    bound = loss_lower_bound(loss, confidence, n_resamples, rng)
    force_rows = float(n.mean())
    rows = []
    for w, b in zip(weights, bound):
        allowed = target_loss(targets, w, force_rows)
        rows.append({"energy_weight": w, "rows": n_energy + n_force, "columns": data.n_features,
                     "bound_loss": float(b), "target_loss": allowed,
                     "out_of_reach": bool(b > allowed)})
    return rows


def reach_bounds(problem: Problem, settings: AdaptiveSettings, reference: str,
                 rng) -> pd.DataFrame:
    """``in_sample_reach`` of every 2Jmax on the validation set, against ``settings.targets``."""
    ref = problem.levels.index(reference)
    return pd.DataFrame([
        {"twojmax": j, **row} for j, data in sorted(problem.data.items())
        for row in in_sample_reach(data, problem.validation, ref, settings.energy_weights,
                                   settings.targets, settings.confidence, settings.n_resamples,
                                   rng)])


def curve_sizes(tail_from: float, largest: int, growth: float) -> list[int]:
    """The learning curve's sizes: a geometric grid from the tail's start up to ``largest``,
    ``largest`` included."""
    size, out = max(int(np.ceil(tail_from)), 2), []
    while size < largest:
        out.append(size)
        size = int(np.ceil(size * growth))
    return sorted(set(out) | {largest})


def _reach(curve: pd.DataFrame, sizes: np.ndarray, shift: float, confidence: float
           ) -> dict[str, np.ndarray] | None:
    """Lower and upper learning-curve predictions at ``sizes`` of one (2Jmax, level, weight)
    from its validation errors at the sizes measured so far (None below two tail sizes)."""
    if len(curve) < 2:
        return None
    curve = curve.sort_values("size")
    x = curve["size"].to_numpy(float) - shift
    out = {}
    for metric in METRICS:
        values = curve[f"validation_{metric}"].to_numpy()[None, :]
        se = np.maximum(curve[f"validation_{metric}_log_se"].to_numpy()[None, :], 0.01)
        lower, upper = law_range(x, values, se, np.array([0]), sizes - shift, confidence)
        out[f"lower_{metric}"], out[f"upper_{metric}"] = lower[0], upper[0]
    return out


def run_adaptive(problem: Problem, settings: AdaptiveSettings, reference: str,
                 log=print) -> dict:
    """The rounds (a table, one row per fit measured), the decision of each round and the
    outcome: the chosen setting and its validation and check-set errors, or why none."""
    if reference not in problem.levels:
        raise ValueError(f"reference level {reference!r} is not one of the labelled levels "
                         f"{problem.levels}; set fit.reference_level")
    targets = settings.targets
    z = norm.ppf(settings.confidence)
    rng = np.random.default_rng(settings.seed + 1)
    pool = len(problem.order)
    ref = problem.levels.index(reference)
    labelled = (np.ones(problem.cost_s.shape, bool) if problem.labelled is None
                else problem.labelled)
    # cheapest first as configured: before buying, a plan knows no measured cost
    contention = [lv for lv in problem.levels if lv != reference]
    reference_entered = False
    bought = {lv: np.zeros(len(problem.cost_s), bool) for lv in problem.levels}
    needed: dict[str, np.ndarray] = {}
    fitted, rounds, decisions = set(), [], []

    def buy(level: str, rows: np.ndarray) -> None:
        """Mark ``rows`` bought at ``level``; those not at hand are what the next DFT must label."""
        bought[level][rows] = True
        missing = rows[~labelled[rows, problem.levels.index(level)]]
        if missing.size:
            needed[level] = np.union1d(needed.get(level, np.array([], int)), missing)

    def spent() -> float:
        return float(sum(problem.cost_s[bought[lv], i].sum()
                         for i, lv in enumerate(problem.levels)))

    buy(reference, problem.validation)
    if needed:
        return _labels_needed(problem, needed, decisions, rounds, None, log)
    bounds = reach_bounds(problem, settings, reference, np.random.default_rng(settings.seed + 2))
    out = sorted(bounds.loc[bounds["out_of_reach"], "twojmax"].unique())
    # every 2Jmax is still fitted (fits cost no DFT, and their curves help a level leave), but
    # one out of reach no longer holds a level, or the reference, in contention
    open_tails = {j: t for j, t in problem.tail_from.items() if j not in out}
    outcome = None
    if out:
        worst = bounds[bounds["out_of_reach"]].assign(
            ratio=lambda t: t["bound_loss"] / t["target_loss"]).sort_values("ratio").groupby(
            "twojmax").last()
        why = "; ".join(f"2Jmax {j}: its in-sample loss on the validation set at energy weight "
                        f"{r.energy_weight:g} is {r.ratio:.3g}× what the targets allow"
                        for j, r in worst.iterrows())
        decisions.append({"round": 0, "size": 0, "levels": reference, "spent_s": spent(),
                          "decision": f"out of reach whatever the level and size: {why}"
                          + ("; no 2Jmax left, nothing more is bought" if not open_tails else "")})
        if not open_tails:
            outcome = {"status": "out of reach", "before_buying": True}
    # the first round: where the cheapest-to-identify 2Jmax's tail starts
    size = min(int(np.ceil(min(problem.tail_from.values()))), pool)
    while outcome is None:
        if settings.budget_s is not None:
            estimate = estimated_costs(problem, bought)
            prefix = problem.order[:size]
            round_cost = sum(estimate[prefix, problem.levels.index(lv)][~bought[lv][prefix]].sum()
                             for lv in contention)
            if spent() + round_cost > settings.budget_s:
                decisions.append({"round": sum(d["round"] > 0 for d in decisions) + 1,
                                  "size": size, "levels": "/".join(contention),
                                  "spent_s": spent(),
                                  "decision": f"the next round would cost {round_cost:.0f} s, "
                                  f"beyond the budget's {settings.budget_s - spent():.0f} s left"})
                outcome = {"status": "over budget"}
                break
        for lv in contention:
            buy(lv, problem.order[:size])
        if needed:
            return _labels_needed(problem, needed, decisions, rounds, bounds, log)
        for j, start in sorted(problem.tail_from.items()):
            grid = [s for s in curve_sizes(start, size, settings.growth) if s >= start]
            for s in grid:
                new = [lv for lv in contention if (j, lv, s) not in fitted]
                if new:
                    rounds += fit_prefixes(problem, j, new, [s], settings, rng)
                    fitted.update((j, lv, s) for lv in new)
        table = pd.DataFrame(rounds)
        current = table[(table["size"] == size) & table["train_level"].isin(contention)].copy()
        for m in METRICS:
            current[f"upper_{m}"] = current[f"validation_{m}"] * np.exp(
                z * current[f"validation_{m}_log_se"])
        meets = current[(current["upper_energy"] <= targets["energy"])
                        & (current["upper_force"] <= targets["force"])]
        note = {"round": sum(d["round"] > 0 for d in decisions) + 1, "size": size,
                "levels": "/".join(contention),
                "spent_s": spent()}
        if len(meets):
            estimate = estimated_costs(problem, bought)
            meets = meets.assign(cost=[estimate[problem.order[:size],
                                                problem.levels.index(lv)].sum()
                                       for lv in meets["train_level"]])
            best = meets.sort_values(["cost", "validation_energy"]).iloc[0]
            decisions.append({**note, "decision": "targets met on the validation set"})
            outcome = {"status": "reached", **best.drop("cost").to_dict()}
            break
        # which levels can still reach the targets within the pool, and at what cost
        grid = np.array(sorted(set(curve_sizes(size, pool, settings.growth))), float)
        optimistic, pessimistic, unknown = {}, {}, set()
        estimate = estimated_costs(problem, bought)
        for lv in contention:
            best_low, best_high, any_curve = np.inf, np.inf, False
            cost = np.cumsum(estimate[problem.order, problem.levels.index(lv)])[
                grid.astype(int) - 1]           # labelling the order's prefix of each size
            for (j, w), curve in table[table["train_level"] == lv].groupby(
                    ["twojmax", "energy_weight"]):
                shift = problem.tail_from[j] / 2.0
                reach = _reach(curve, grid, shift, settings.confidence)
                if reach is None:
                    continue
                any_curve = True
                for which, store in (("lower", "low"), ("upper", "high")):
                    # sure to reach only on an identified curve: two sizes fit laws from a
                    # steep power law to flat, and their upper end is no promise
                    if store == "high" and len(curve) < IDENTIFYING_SIZES:
                        continue
                    ok = ((reach[f"{which}_energy"] <= targets["energy"])
                          & (reach[f"{which}_force"] <= targets["force"]))
                    if ok.any():
                        c = cost[np.argmax(ok)]
                        if store == "low":
                            best_low = min(best_low, c)
                        else:
                            best_high = min(best_high, c)
            # a 2Jmax whose tail starts by the next round and is not yet measured twice on it
            # might still reach the targets: the level stays until it is (one whose tail lies
            # further out does not hold every level back until the whole pool is labelled)
            measured = table[table["train_level"] == lv].groupby("twojmax")["size"].nunique()
            # the reference level is the last resort: before it leaves (and the targets are
            # declared out of reach) every 2Jmax whose tail the pool reaches is measured on it
            horizon = pool if lv == reference else min(size * settings.growth, pool)
            pending = [j for j, t in open_tails.items()
                       if t <= horizon and measured.get(j, 0) < 2]
            if not any_curve or pending:
                unknown.add(lv)
            optimistic[lv], pessimistic[lv] = best_low, best_high
        cheapest_sure = min(pessimistic.values(), default=np.inf)
        # what a level has already bought is sunk: its further cost is what the budget must hold
        left = np.inf if settings.budget_s is None else settings.budget_s - spent()
        further = {lv: optimistic[lv] - problem.cost_s[bought[lv], problem.levels.index(lv)].sum()
                   for lv in contention}
        leaving = [lv for lv in contention if lv not in unknown
                   and (optimistic[lv] == np.inf or optimistic[lv] > cheapest_sure
                        or further[lv] > left)]
        contention = [lv for lv in contention if lv not in leaving]

        def why(lv):
            if optimistic[lv] == np.inf:
                return "cannot reach them within the pool"
            if optimistic[lv] > cheapest_sure:
                return "dearer than a level sure to"
            return "cannot reach them within the budget"

        reason = ", ".join(f"{lv} ({why(lv)})" for lv in leaving)
        if not contention and not reference_entered:
            contention, reference_entered = [reference], True
            decisions.append({**note, "decision": f"leave: {reason or 'none'}; the reference "
                              "level enters"})
            continue
        if not contention:
            decisions.append({**note, "decision": f"leave: {reason}; no level left"})
            outcome = {"status": "out of reach" if settings.budget_s is None
                       or "budget" not in reason else "out of reach within the budget"}
            break
        if size >= pool:
            decisions.append({**note, "decision": "the pool is labelled; no setting met the "
                              "targets"})
            outcome = {"status": "pool exhausted"}
            break
        decisions.append({**note, "decision": f"leave: {reason or 'none'}; grow"})
        size = min(int(np.ceil(size * settings.growth)), pool)
    for d in decisions:
        log(f"round {d['round']}: {d['size']} configurations at levels {d['levels']}, "
            f"{d['spent_s']:.0f} CPU-s so far: {d['decision']}")
    outcome["spent_s"] = spent()
    outcome["validation_labels_s"] = float(problem.cost_s[problem.validation, ref].sum())
    outcome["twojmax_out_of_reach"] = [int(j) for j in out]
    # the check set is labelled only offline, on a study labelled at every level
    if outcome["status"] == "reached" and labelled[problem.check, ref].all():
        outcome.update(check_errors(problem, settings, outcome, reference))
    return {"rounds": pd.DataFrame(rounds), "decisions": pd.DataFrame(decisions),
            "outcome": outcome, "bounds": bounds}


def estimated_costs(problem: Problem, bought: dict) -> np.ndarray:
    """Rows × levels: what each bought label cost, and for the others the level's cost per atom
    over what it has bought times the configuration's atoms (a plan cannot know what a
    calculation it has not run will cost); a level with nothing bought yet takes the dearest
    rate known."""
    atoms = problem.n_atoms if problem.n_atoms is not None else np.ones(len(problem.cost_s))
    rates = np.array([problem.cost_s[bought[lv], i].sum() / atoms[bought[lv]].sum()
                      if bought[lv].any() else np.nan for i, lv in enumerate(problem.levels)])
    fallback = np.nanmax(rates) if np.isfinite(rates).any() else 0.0
    rates = np.where(np.isfinite(rates), rates, fallback)
    return np.stack([np.where(bought[lv], problem.cost_s[:, i], rates[i] * atoms)
                     for i, lv in enumerate(problem.levels)], axis=1)


def _labels_needed(problem: Problem, needed: dict, decisions: list, rounds: list, bounds,
                   log) -> dict:
    """The replay's answer when it has decided to buy labels not at hand: which (configuration
    indices of structures.h5, per level); the rounds so far stand as they are."""
    where = (problem.configurations if problem.configurations is not None
             else np.arange(len(problem.cost_s)))
    purchases = {lv: [int(i) for i in where[rows]] for lv, rows in needed.items()}
    for d in decisions:
        log(f"round {d['round']}: {d['size']} configurations at levels {d['levels']}, "
            f"{d['spent_s']:.0f} CPU-s so far: {d['decision']}")
    log("to label next: " + "; ".join(f"level {lv}: {len(c)} configurations"
                                      for lv, c in purchases.items()))
    return {"rounds": pd.DataFrame(rounds), "decisions": pd.DataFrame(decisions),
            "outcome": {"status": "labels needed", "purchases": purchases},
            "bounds": bounds if bounds is not None else pd.DataFrame()}


def chosen_coefficients(problem: Problem, chosen: dict, force_weight: float = 1.0):
    """The chosen model (2Jmax, training level, the order's prefix size, energy weight) fitted on
    the labels bought for it: its fit data and coefficients (K × 1)."""
    from ..models.fit import augmented_r, solve

    data = problem.data[int(chosen["twojmax"])]
    energy, force, _, _ = augmented_r(data, problem.order[:int(chosen["size"])])
    coefs = solve(energy.r, force.r, data.n_features, chosen["energy_weight"], force_weight)
    return data, coefs[:, [problem.levels.index(str(chosen["train_level"]))]]


def check_errors(problem: Problem, settings: AdaptiveSettings, chosen: dict,
                 reference: str) -> dict:
    """The chosen model's errors (meV) against the reference level on the check set, which no
    decision saw."""
    from ..models.fit import SetStats

    data, column = chosen_coefficients(problem, chosen)
    errors = SetStats.of(data, problem.check).errors(column, data.n_features)
    ref = problem.levels.index(reference)
    return {"check_energy": 1e3 * float(errors["energy"][0, ref]),
            "check_force": 1e3 * float(errors["force"][0, ref]),
            "n_check": len(problem.check)}


def study_comparison(outcome: dict, problem: Problem, sweep: pd.DataFrame, reference: str,
                     targets: dict) -> dict:
    """The acceptance's yardsticks (CPU-s): the full study's cheapest setting whose median test
    errors meet the targets, plus the validation labels; labelling the training pool at the
    reference level, plus the validation labels; and the plan's spending against each."""
    from ..analysis.pareto import OBJECTIVES

    keys = ["twojmax", "sampler", "train_level", "energy_weight", "size"]
    medians = sweep.groupby(keys)[[OBJECTIVES[1], OBJECTIVES[2], "dft_cost_s"]].median()
    adequate = medians[(medians[OBJECTIVES[1]] <= targets["energy"])
                       & (medians[OBJECTIVES[2]] <= targets["force"])].sort_values("dft_cost_s")
    validation = outcome["validation_labels_s"]
    pool = float(problem.cost_s[problem.order, problem.levels.index(reference)].sum())
    out = {"spent_s": outcome["spent_s"], "validation_labels_s": validation,
           "reference_pool_plus_validation_s": pool + validation}
    if len(adequate):
        cheapest = adequate.iloc[0]
        out["study_cheapest_adequate"] = {k: (v.item() if hasattr(v, "item") else v)
                                          for k, v in zip(keys, cheapest.name)}
        out["study_cheapest_plus_validation_s"] = float(cheapest["dft_cost_s"]) + validation
        out["ratio_to_study_cheapest"] = outcome["spent_s"] / out["study_cheapest_plus_validation_s"]
    out["fraction_of_reference_pool"] = outcome["spent_s"] / out["reference_pool_plus_validation_s"]
    return out
