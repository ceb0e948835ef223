"""Production: label only what the pilot's plan bought, fit the final model, and compare what it
achieves and costs with what the plan predicted.

The training set is the pool order's prefix of the planned size, labelled at the planned level
only; the validation set (the pilot's test draw, topped up from the pool's test half) is labelled
at the reference level only. DFT results come from the record store the pilot filled, so a
configuration the pilot labelled at a level is never labelled again at it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..dft.labels import STATUS_NOT_REQUESTED, read_labels
from ..dft.store import label_subset
from ..io.storage import open_h5, read_csv
from ..structures.configurations import Structures, read_structures, write_structures

NOT_REQUESTED = STATUS_NOT_REQUESTED
SETTING_KEYS = ("twojmax", "train_level", "energy_weight", "size", "sampler")


def planned_setting(plan_path: Path, predictions_path: Path, overrides: dict | None = None
                    ) -> dict:
    """The setting production builds: the plan's choice, with ``plan.production``'s keys in
    place of the plan's, and what the pilot predicted for it (NaN where it predicted nothing:
    an override off the predicted grid)."""
    plan = read_csv(plan_path, dtype={"train_level": str})
    chosen = plan[plan["what"] == "plan"]
    overrides = dict(overrides or {})
    if chosen.empty and not {"train_level", "size"} <= set(overrides):
        raise ValueError(f"{plan_path}: the pilot's plan found no setting that meets "
                         "plan.targets within plan.budget_core_hours; relax them, or give "
                         "plan.production.train_level and plan.production.size")
    setting = {} if chosen.empty else {k: chosen.iloc[0][k] for k in SETTING_KEYS}
    setting.update(overrides)
    predictions = read_csv(predictions_path, dtype={"train_level": str})
    setting.setdefault("twojmax", int(predictions["twojmax"].max()))
    setting.setdefault("sampler", "leverage")
    if "energy_weight" not in setting:
        # the weight the pilot predicts most accurate in energy at this level and size
        at = predictions[(predictions["twojmax"] == int(setting["twojmax"]))
                         & (predictions["train_level"] == str(setting["train_level"]))
                         & (predictions["sampler"] == setting["sampler"])
                         & (predictions["metric"] == "energy")]
        if at.empty:
            raise ValueError(f"{predictions_path}: no prediction for level "
                             f"{setting['train_level']} with {setting['sampler']} at 2Jmax "
                             f"{setting['twojmax']}; give plan.production.energy_weight")
        nearest = at[np.abs(np.log(at["size"] / int(setting["size"]))).rank(method="min") == 1]
        setting["energy_weight"] = float(nearest.sort_values("predicted")["energy_weight"].iloc[0])
    setting = {"twojmax": int(setting["twojmax"]), "train_level": str(setting["train_level"]),
               "energy_weight": float(setting["energy_weight"]), "size": int(setting["size"]),
               "sampler": str(setting["sampler"])}
    curve = predictions[(predictions["twojmax"] == setting["twojmax"])
                        & (predictions["train_level"] == setting["train_level"])
                        & (predictions["sampler"] == setting["sampler"])
                        & np.isclose(predictions["energy_weight"], setting["energy_weight"])]
    for metric in ("energy", "force"):
        points = curve[curve["metric"] == metric].sort_values("size")
        inside = len(points) and points["size"].min() <= setting["size"] <= points["size"].max()
        for what in ("predicted", "lower", "upper"):
            # between the predicted sizes: straight in log error against log size, as the
            # power law is
            setting[f"{what}_{metric}"] = float(np.exp(np.interp(
                np.log(setting["size"]), np.log(points["size"]),
                np.log(points[what])))) if inside else np.nan
    return setting


def _pool_source_ids(path: Path) -> np.ndarray:
    from ..io.integrity import made_by

    with open_h5(path, made_by(Path(path).as_posix())) as h5:
        return h5["source_id"][()]


def production_indices(pool_path: Path, order: pd.DataFrame, pilot_path: Path, size: int,
                       validation_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pool indices of the training set (the order's first ``size``) and the validation set
    (the pilot's test configurations, then a seeded draw from the rest of the pool's test half
    up to ``validation_size``)."""
    if size > len(order):
        raise ValueError(f"plan.production.size {size} exceeds the pool's {len(order)} training "
                         "candidates")
    pool = read_structures(pool_path)
    with open_h5(pool_path, "pool_structures") as h5:
        valid = h5["valid"][()]
    pilot = read_structures(pilot_path)
    pilot_ids = _pool_source_ids(pilot_path)
    pilot_test = pilot_ids[~pilot.is_train & ~pilot.is_bulk_reference]
    test_pool = np.flatnonzero(~pool.is_train & valid & ~pool.is_bulk_reference)
    rest = np.setdiff1d(test_pool, pilot_test)
    extra = max(0, min(validation_size - len(pilot_test), len(rest)))
    drawn = np.random.default_rng([seed, 1]).choice(rest, extra, replace=False) if extra else []
    validation = np.sort(np.concatenate([pilot_test, np.asarray(drawn, dtype=int)]).astype(int))
    return order["pool_index"].to_numpy()[:size], validation


def make_production_structures(pool_path: Path, order_path: Path, pilot_path: Path,
                               setting: dict, validation_size: int, seed: int, settings: dict,
                               out: Path, log=print) -> None:
    """structures.h5 of production: is_train marks the training set; source_id is the pool
    index, as in the pilot's."""
    pool = read_structures(pool_path)
    order = read_csv(order_path)
    train, validation = production_indices(pool_path, order, pilot_path, setting["size"],
                                           validation_size, seed)
    chosen = np.concatenate([train, validation])
    production = Structures.from_atoms([pool.atoms(i) for i in chosen],
                                       [pool.kinds[i] for i in chosen])
    production.is_train = np.r_[np.ones(len(train), bool), np.zeros(len(validation), bool)]
    write_structures(out, production, {**settings, "production": setting}, source_ids=chosen)
    log(f"production: {len(train)} training configurations (the {order_path.name} prefix, to "
        f"be labelled at level {setting['train_level']}) and {len(validation)} validation "
        "configurations (at the reference level)")


def run_production_labels(structures_path: Path, dft: dict, level_name: str, role: str,
                          out: Path, *, record_store: Path, work_dir: Path, log=print,
                          backend=None) -> None:
    """Labels of the training (``role`` 'train') or validation configurations at one level, from
    ``record_store`` or computed (the DFT code's files under ``work_dir``); the other
    configurations are marked not requested."""
    structures = read_structures(structures_path)
    wanted = structures.is_train if role == "train" else ~structures.is_train
    label_subset(structures, wanted, dft, level_name, out, record_store=record_store,
                 work_dir=work_dir, why_not=f"production labels only the {role} set at this level",
                 log=log, backend=backend, name=f"level {level_name}, {role}", role=role)


def _seconds(labels, source: str) -> np.ndarray:
    from ..dft.costs import measured_seconds

    return np.nan_to_num(measured_seconds(labels, source), nan=0.0)


def spent(pilot_path: Path, pilot_label_paths: list[Path], production_path: Path,
          production_labels: list, source: str, pool_candidates: int) -> dict:
    """DFT seconds: the pilot's (every level), production's new calculations (a configuration
    the pilot labelled at that level costs nothing again), and labelling the whole pool at every
    level at the pilot's mean cost per configuration."""
    pilot = read_structures(pilot_path)
    pilot_ids = _pool_source_ids(pilot_path)
    production_ids = _pool_source_ids(production_path)
    pilot_s, per_config, pilot_labelled = 0.0, {}, {}
    for path in pilot_label_paths:
        lab = read_labels(path)
        seconds = _seconds(lab, source)
        pilot_s += float(seconds.sum())
        real = ~pilot.is_bulk_reference
        per_config[lab.level] = float(seconds[real & lab.ok].mean())
        pilot_labelled[lab.level] = set(pilot_ids[lab.ok].tolist())
    new_s = 0.0
    for level, lab in production_labels:   # (level name, Labels) of each production role
        seconds = _seconds(lab, source)
        for i in np.flatnonzero(lab.ok):
            if int(production_ids[i]) not in pilot_labelled.get(level, set()):
                new_s += float(seconds[i])
    return {"pilot_s": pilot_s, "production_s": new_s, "total_s": pilot_s + new_s,
            "label_everything_s": pool_candidates * sum(per_config.values()),
            "seconds_per_config": per_config}


def fit_production(structures_path: Path, descriptor_path: Path, train_labels, validation_labels,
                   energy_weight: float, force_weight: float = 1.0):
    """The final model: one weighted least-squares fit on the training set at the planned level.
    Returns its coefficients, the validation set's fit data and the errors (meV), validation
    against the reference level."""
    from ..descriptors.snap import DescriptorFile
    from ..models.fit import SetStats, augmented_r, build_fit_data, solve

    structures = read_structures(structures_path)
    desc = DescriptorFile(descriptor_path)
    train = build_fit_data(desc, [train_labels], structures.is_train & train_labels.ok)
    validation = build_fit_data(desc, [validation_labels],
                                ~structures.is_train & validation_labels.ok)
    energy, force, _, _ = augmented_r(train, np.arange(len(train)))
    coefs = solve(energy.r, force.r, train.n_features, energy_weight, force_weight)
    k = train.n_features
    test = SetStats.of(validation, np.arange(len(validation))).errors(coefs, k)
    fitted = SetStats.from_r(train, np.arange(len(train)), energy, force).errors(coefs, k)
    return coefs[:, 0], validation, {
        "validation_energy_rmse_meV_per_atom_vs_reference": 1e3 * float(test["energy"][0, 0]),
        "validation_force_rmse_meV_per_A_vs_reference": 1e3 * float(test["force"][0, 0]),
        "train_energy_rmse_meV_per_atom_vs_train_level": 1e3 * float(fitted["energy"][0, 0]),
        "train_force_rmse_meV_per_A_vs_train_level": 1e3 * float(fitted["force"][0, 0]),
        "n_train": len(train), "n_validation": len(validation)}


def equal_error_point(summary_path: Path, twojmax: int, energy: float, force: float,
                      samplers: list[str] | None = None) -> dict | None:
    """The full study's cheapest setting (medians over repeats, at ``twojmax``) whose test
    errors are at most ``energy`` and ``force``: what labelling everything would have had to
    buy for the same accuracy."""
    summary = read_csv(summary_path, dtype={"train_level": str})
    rows = summary[summary["twojmax"] == twojmax]
    if samplers:
        rows = rows[rows["sampler"].isin(samplers)]
    good = rows[(rows["test_energy_rmse_meV_per_atom_vs_reference"] <= energy)
                & (rows["test_force_rmse_meV_per_A_vs_reference"] <= force)]
    if good.empty:
        return None
    best = good.sort_values("dft_cost_s").iloc[0]
    return {k: best[k] for k in ("train_level", "sampler", "size", "energy_weight", "dft_cost_s",
                                 "test_energy_rmse_meV_per_atom_vs_reference",
                                 "test_force_rmse_meV_per_A_vs_reference")}


def run_production(structures_path: Path, descriptor_path: Path, label_paths: dict[str, Path],
                   plan_path: Path, predictions_path: Path, pool_path: Path, pilot_path: Path,
                   pilot_label_paths: list[Path], config: dict, *, potential_stem: Path,
                   result_json: Path, achieved_stem: Path, spent_stem: Path,
                   log=print) -> dict:
    """Fit the planned model, write its LAMMPS files (``potential_stem``.snapcoeff and
    .snapparam), the result (``result_json``), and the tables of predicted vs achieved errors and
    of the DFT spent (each ``*_stem`` a table's .csv, .md, .tex, .html). ``label_paths``: the
    'train' and 'validation' label files."""
    import json

    from ..descriptors.snap import DescriptorFile, descriptor_settings
    from ..models.md import pair_snap_mismatch, write_potential
    from ..io.storage import json_dump
    from ..analysis.tables import write_table

    plan = config["plan"]
    setting = planned_setting(plan_path, predictions_path, plan.get("production"))
    labels = {role: read_labels(path) for role, path in label_paths.items()}
    coefs, validation, achieved = fit_production(
        structures_path, descriptor_path, labels["train"], labels["validation"],
        setting["energy_weight"], config["fit"].get("force_weight", 1.0))
    element = config["element"]
    snap = descriptor_settings(config["descriptors"], setting["twojmax"])
    coeff, param = write_potential(potential_stem.parent, potential_stem.name, element, snap,
                                   coefs)
    # the written files, run by LAMMPS, must be the fitted model
    structures = read_structures(structures_path)
    worst, _ = pair_snap_mismatch(structures, validation, DescriptorFile(descriptor_path).rotation,
                                  range(min(3, len(validation))), coefs, coeff, param, element)
    if worst > 1e-6:
        raise RuntimeError(f"{coeff}: LAMMPS differs from the fitted model by {worst:.2e} eV/atom")

    rows = []
    for metric, column, unit in (("energy", "validation_energy_rmse_meV_per_atom_vs_reference",
                                  "meV/atom"),
                                 ("force", "validation_force_rmse_meV_per_A_vs_reference",
                                  "meV/Å")):
        lower, upper = setting[f"lower_{metric}"], setting[f"upper_{metric}"]
        value = achieved[column]
        rows.append({"test_rmse_vs_reference": f"{metric} ({unit})",
                     "predicted": setting[f"predicted_{metric}"], "interval_lower": lower,
                     "interval_upper": upper, "achieved": value,
                     "achieved_over_predicted": value / setting[f"predicted_{metric}"],
                     "within_interval": bool(lower <= value <= upper)})
    write_table(pd.DataFrame(rows), achieved_stem)

    source = "measured_cpu" if config.get("pareto", {}).get("cost") == "measured_cpu" \
        else "measured"
    pool = read_structures(pool_path)
    with open_h5(pool_path, "pool_structures") as h5:
        valid = h5["valid"][()]
    n_pool = int((valid & ~pool.is_bulk_reference).sum())
    by_level = [(str(setting["train_level"]), labels["train"]),
                (str(config["fit"]["reference_level"]), labels["validation"])]
    cost = spent(pilot_path, pilot_label_paths, structures_path, by_level, source, n_pool)
    train_s = float(_seconds(labels["train"], source)[structures.is_train].sum())
    cost_rows = [
        {"what": "pilot: every level, its training and test configurations",
         "dft_s": cost["pilot_s"]},
        {"what": "production: new calculations (training set at level "
                 f"{setting['train_level']}, validation set at the reference level)",
         "dft_s": cost["production_s"]},
        {"what": "pilot + production", "dft_s": cost["total_s"]},
        {"what": f"the production training set ({setting['size']} at level "
                 f"{setting['train_level']}: the cost a front point counts)", "dft_s": train_s},
        {"what": f"labelling the whole pool ({n_pool}) at every level (pilot's mean cost per "
                 "configuration)", "dft_s": cost["label_everything_s"]},
    ]
    compare = plan.get("compare_with_summary")
    equal = None
    if compare:
        equal = equal_error_point(Path(compare), setting["twojmax"],
                                  achieved["validation_energy_rmse_meV_per_atom_vs_reference"],
                                  achieved["validation_force_rmse_meV_per_A_vs_reference"])
        cost_rows.append({
            "what": ("the full study's cheapest setting at least as accurate: " + (
                f"level {equal['train_level']}, {equal['sampler']}, {int(equal['size'])} "
                f"configurations, energy weight {equal['energy_weight']:g} "
                f"({equal['test_energy_rmse_meV_per_atom_vs_reference']:.3g} meV/atom, "
                f"{equal['test_force_rmse_meV_per_A_vs_reference']:.3g} meV/Å)")
                if equal else "none of its settings is"),
            "dft_s": equal["dft_cost_s"] if equal else np.nan})
    table = pd.DataFrame(cost_rows)
    table["dft_core_hours"] = table["dft_s"] / 3600.0
    write_table(table, spent_stem)
    result = {"setting": setting, "achieved": achieved, "cost_s": cost,
              "cost_source": source, "pool_configurations": n_pool,
              "lammps_max_energy_difference_eV_per_atom": worst,
              "full_study_equal_error_point": equal,
              "potential": [coeff.name, param.name]}
    json_dump(json.loads(json.dumps(result, default=float)), result_json)
    log(f"production: level {setting['train_level']}, {setting['size']} configurations, 2Jmax "
        f"{setting['twojmax']}, energy weight {setting['energy_weight']:g}: validation "
        f"{achieved['validation_energy_rmse_meV_per_atom_vs_reference']:.3g} meV/atom, "
        f"{achieved['validation_force_rmse_meV_per_A_vs_reference']:.3g} meV/Å (predicted "
        + ", ".join("not identified by the pilot" if np.isnan(setting[f"predicted_{m}"])
                    else f"{setting[f'predicted_{m}']:.3g}" for m in ("energy", "force"))
        + f"); DFT "
        f"{cost['total_s'] / 3600:.3g} core-hours (pilot {cost['pilot_s'] / 3600:.3g}) vs "
        f"{cost['label_everything_s'] / 3600:.3g} to label the pool at every level")
    return result
