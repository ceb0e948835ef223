"""plan.mode adaptive in the workflow: each round is a replay of ``mlipcost.plan.adaptive`` on
the labels bought so far. The replay makes the same decisions as the plan with every label at
hand (same seeds, and it sees only what it bought), so it either decides, or stops at the first
labels it needs, which the next round's DFT buys; a killed run resumes from the last round's
file, and a round never asks for a label twice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.storage import json_dump
from .adaptive import AdaptiveSettings, build_problem, load_round_labels, run_adaptive

LABELS_NEEDED = "labels needed"


def settings_from(adaptive: dict) -> AdaptiveSettings:
    """AdaptiveSettings from ``mlipcost.config.adaptive_settings``'s dict."""
    return AdaptiveSettings(
        targets=dict(adaptive["targets"]), energy_weights=list(adaptive["energy_weights"]),
        validation_size=int(adaptive["validation_size"]), growth=float(adaptive["growth"]),
        confidence=float(adaptive["confidence"]), seed=int(adaptive["seed"]),
        order_twojmax=int(adaptive["order_twojmax"]),
        order_energy_weight=float(adaptive["order_energy_weight"]),
        n_resamples=int(adaptive["n_resamples"]),
        budget_s=None if adaptive.get("budget_s") is None else float(adaptive["budget_s"]))


def _plain(value):
    """JSON-ready: numpy scalars and arrays as Python's."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_round(round_number: int, structures_path: Path, descriptor_paths: dict,
              label_paths: list[Path], config: dict, adaptive: dict, reference: str,
              out: Path, log=print) -> dict:
    """Replay the plan on the labels of ``label_paths`` (the earlier rounds') and write round
    ``round_number``'s file: what to label next ({level: configuration indices of
    structures.h5}), or the decision with every round's fits and decisions."""
    levels = [str(e["name"]) for e in config["dft"]["levels"]]
    labels, labelled = load_round_labels(structures_path, label_paths, levels)
    settings = settings_from(adaptive)
    problem = build_problem(structures_path, descriptor_paths, labels, labelled, config, settings)
    result = run_adaptive(problem, settings, reference, log=log)
    outcome = result["outcome"]
    record = {"round": round_number, "status": outcome["status"],
              "purchases": outcome.get("purchases", {}), "outcome": _plain(outcome),
              "decisions": _plain(result["decisions"].to_dict("records")),
              "fits": _plain(result["rounds"].to_dict("records")),
              "bounds": _plain(result["bounds"].to_dict("records")),
              "configurations": {"order": _plain(problem.configurations[problem.order]),
                                 "validation": _plain(problem.configurations[problem.validation])},
              "labelled_s": float(np.nansum(problem.cost_s))}
    json_dump(record, out)
    return record


def round_purchases(round_path: Path) -> dict:
    """{level: configuration indices} a round's file asks the next DFT to label."""
    record = json.loads(Path(round_path).read_text())
    return record["purchases"] if record["status"] == LABELS_NEEDED else {}


def write_adaptive_report(final_round: Path, out_dir: Path, targets: dict, confidence: float,
                          log=print) -> dict:
    """The decision of the last round: outcome.json, the fits measured on the validation set
    (fits.csv), the decisions of each round and the reach bounds as tables, and the figure (the
    validation errors' upper ``confidence`` bounds drawn)."""
    from ..analysis.plots import adaptive_plot
    from ..analysis.tables import write_table
    from ..io.storage import write_csv

    record = json.loads(Path(final_round).read_text())
    if record["status"] == LABELS_NEEDED:
        raise ValueError(f"{final_round}: round {record['round']} still needs labels")
    out_dir.mkdir(parents=True, exist_ok=True)
    fits = pd.DataFrame(record["fits"]).rename(columns={
        "validation_energy": "validation_energy_rmse_meV_per_atom_vs_reference",
        "validation_force": "validation_force_rmse_meV_per_A_vs_reference",
        "validation_energy_log_se": "validation_energy_log_standard_error",
        "validation_force_log_se": "validation_force_log_standard_error"})
    write_csv(fits, out_dir / "fits.csv")
    decisions = pd.DataFrame(record["decisions"]).rename(columns={"spent_s": "dft_spent_s"})
    decisions = decisions[[c for c in ("round", "size", "levels", "dft_spent_s", "decision")
                           if c in decisions]]
    write_table(decisions, out_dir / "decisions")
    write_table(pd.DataFrame(record["bounds"]).rename(columns={
        "bound_loss": "in_sample_loss_lower_bound_per_config",
        "target_loss": "targets_loss_per_config"}), out_dir / "reach_bounds")
    outcome = {**record["outcome"], "rounds": record["round"], "targets": targets,
               "units": {"spent_s": "CPU-s or s as pareto.cost counts them",
                         "validation_energy": "meV/atom", "validation_force": "meV/Å"}}
    json_dump(outcome, out_dir / "outcome.json")
    adaptive_plot(fits, decisions, outcome, targets, confidence, out_dir / "adaptive.png")
    log(f"adaptive plan after {record['round']} rounds: {outcome['status']}; "
        f"{outcome['spent_s']:.0f} s of DFT")
    return outcome


def write_adaptive_potential(final_round: Path, structures_path: Path, descriptor_paths: dict,
                             label_paths: list[Path], config: dict, adaptive: dict,
                             out_stem: Path, log=print) -> dict:
    """Production after the decision: the chosen model fitted on the labels its rounds bought,
    written for LAMMPS (``out_stem``.snapcoeff and .snapparam) and checked there: ``pair_style
    snap`` with the written files must reproduce the fitted model on validation configurations."""
    from ..descriptors.snap import DescriptorFile, descriptor_settings
    from ..models.md import pair_snap_mismatch, write_potential
    from ..structures.configurations import read_structures
    from .adaptive import chosen_coefficients

    record = json.loads(Path(final_round).read_text())
    outcome = record["outcome"]
    if outcome["status"] != "reached":
        raise ValueError(f"{final_round}: the plan chose no model ({outcome['status']})")
    levels = [str(e["name"]) for e in config["dft"]["levels"]]
    labels, labelled = load_round_labels(structures_path, label_paths, levels)
    problem = build_problem(structures_path, descriptor_paths, labels, labelled, config,
                            settings_from(adaptive))
    data, coefs = chosen_coefficients(problem, outcome, config["fit"].get("force_weight", 1.0))
    twojmax, element = int(outcome["twojmax"]), config["element"]
    snap = descriptor_settings(config["descriptors"], twojmax)
    coeff, param = write_potential(out_stem.parent, out_stem.name, element, snap, coefs[:, 0])
    rotation = DescriptorFile(descriptor_paths[twojmax]).rotation
    worst_e, worst_f = pair_snap_mismatch(read_structures(structures_path), data, rotation,
                                          problem.validation[:3], coefs[:, 0], coeff, param,
                                          element)
    if worst_e > 1e-6 or worst_f > 1e-5:
        raise RuntimeError(f"{coeff}: LAMMPS differs from the fitted model by {worst_e:.2e} "
                           f"eV/atom, {worst_f:.2e} eV/Å")
    log(f"level {outcome['train_level']}, 2Jmax {twojmax}, {outcome['size']} configurations, "
        f"energy weight {outcome['energy_weight']:g}: {coeff.name}, {param.name} (LAMMPS agrees "
        f"to {worst_e:.1e} eV/atom, {worst_f:.1e} eV/Å)")
    return {"coeff": coeff, "param": param}
