"""The model-family stage's glue: what each of its workflow rules calls (paths in, files out)."""

from __future__ import annotations

import json
from pathlib import Path

from .md import bulk_supercell
from ..io.storage import json_dump, read_csv, read_result_tables, write_csv
from . import trained_family
from .store import DEFAULT_MODEL_WORK, ModelStore
from .trained import MultiFidelitySet, TrainingSet, train_multifidelity, train_one


def run_train_model(structures_path: Path, label_paths: list[Path], leverage_path: Path | None,
                    settings: dict, store: Path, offline: bool, out: Path, threads: int = 1,
                    work: Path = Path(DEFAULT_MODEL_WORK), log=print) -> None:
    """One trained model's row of errors (``settings``: the rule's params: family, settings less
    threads, training_set, fit, and the cost model's dft and pareto sections)."""
    table = train_one(structures_path, label_paths, leverage_path, family=settings["family"],
                      settings={**settings["settings"], "threads": threads},
                      training_set=TrainingSet(*settings["training_set"]),
                      config=settings, store_root=Path(store), offline=offline,
                      work_root=Path(work), log=log)
    write_csv(table, out)
    row = table.iloc[0]
    log(f"test vs reference: {row['test_energy_rmse_meV_per_atom_vs_reference']:.2f} meV/atom, "
        f"{row['test_force_rmse_meV_per_A_vs_reference']:.1f} meV/Å")


def run_train_multifidelity(structures_path: Path, label_paths: list[Path],
                            leverage_path: Path | None, settings: dict, store: Path,
                            offline: bool, out: Path, threads: int = 1,
                            work: Path = Path(DEFAULT_MODEL_WORK), log=print) -> None:
    """One multi-fidelity model's row (``settings``: the rule's params: family, settings less
    threads, finetune, multifidelity_set, fit, and the cost model's dft and pareto sections)."""
    table = train_multifidelity(
        structures_path, label_paths, leverage_path, family=settings["family"],
        settings={**settings["settings"], "threads": threads}, finetune=settings["finetune"],
        mf_set=MultiFidelitySet(*settings["multifidelity_set"]), config=settings,
        store_root=Path(store), offline=offline, work_root=Path(work), log=log)
    write_csv(table, out)
    row = table.iloc[0]
    log(f"test vs reference: {row['test_energy_rmse_meV_per_atom_vs_reference']:.2f} meV/atom, "
        f"{row['test_force_rmse_meV_per_A_vs_reference']:.1f} meV/Å at "
        f"{row['dft_cost_s']:.0f} s of DFT")


def run_multifidelity_report(mf_paths: list[Path], model_paths: list[Path],
                             qsnap_mixed_path: Path | None, *, levels: list[str],
                             points_out: Path, table_stem: Path, plot: Path,
                             log=print) -> None:
    """The multi-fidelity models against single-level training (and qSNAP's mixed fidelity) at
    equal DFT cost: every row, the comparison table and its figure."""
    from ..analysis.tables import write_table
    from .multifidelity import (multifidelity_plot, multifidelity_vs_single,
                                summarize_multifidelity)

    rows = read_result_tables(mf_paths)
    write_csv(rows, points_out)
    trained = read_result_tables(model_paths)
    mixed = read_csv(qsnap_mixed_path) if qsnap_mixed_path is not None else None
    summary = summarize_multifidelity(rows)
    table = multifidelity_vs_single(summary, trained, mixed)
    write_table(table, table_stem)
    multifidelity_plot(summary, trained, levels, plot, mixed)
    log(f"{len(rows)} multi-fidelity models, {int(table['beats_single'].sum())} of "
        f"{len(table)} settings not dominated by a single-level model of their family")


def gather_models(paths: list[Path], out: Path, log=print) -> None:
    """A family's rows, one per trained model."""
    table = read_result_tables(paths)
    write_csv(table, out)
    log(f"{len(table)} models")


def run_model_md_cost(reference_row: Path, settings: dict, store: Path, offline: bool,
                      out: Path, work: Path = Path(DEFAULT_MODEL_WORK), log=print) -> None:
    """MD speed of the reference-level model of the whole training half, measured once and kept
    in the model store beside its entry (``<key>.md.json``), so a study that reads the store
    (offline) reports it without the family's code."""
    row = read_csv(reference_row).iloc[0]
    family, key = str(row["family"]), str(row["model_store_key"])
    model_store = ModelStore(store, work)
    md = settings["md"]
    cached = model_store.entry_path(family, key).with_suffix(".md.json")
    result = json.loads(cached.read_text()) if cached.exists() else None
    if result is not None and (result["n_atoms_min"], result["steps"]) != (md["n_atoms"], md["steps"]):
        result = None
    if result is None:
        if offline:
            raise FileNotFoundError(f"{cached}: no MD benchmark of model {key} for "
                                    f"models.{family}.md {md} in the store (models.offline is set)")
        module = trained_family(family)
        model = module.model_file(model_store.work_dir(family, key))
        if not model.exists():
            raise FileNotFoundError(f"{model}: the model {key} is in the store without its weights "
                                    f"(they stay on the machine that trained it); delete "
                                    f"{model_store.entry_path(family, key)} to train it again")
        atoms = bulk_supercell(settings["element"], md["n_atoms"])
        result = {**module.md_speed(model, module.settings_with_defaults(settings["settings"]),
                                    atoms, md["steps"]),
                  "n_atoms_min": md["n_atoms"], "model_store_key": key}
        json_dump(result, cached)
    result = {**result, "family": family, "train_level": str(row["train_level"])}
    json_dump(result, out)
    log(f"{family}: MD {result['atom_timesteps_per_s']:.3g} atom-timesteps/s on "
        f"{result['n_atoms']} atoms")


def run_models_report(model_paths: list[Path], md_paths: list[Path], qsnap_md_paths: list[Path],
                      summary_path: Path, whole_half_paths: list[Path], dft_rmsd_path: Path, *,
                      reference_level: str, levels: list[str], table_weights: dict[str, float],
                      store: Path, front_stem: Path, whole_half_stem: Path,
                      sensitivity_stem: Path, claims_stem: Path, front_plot: Path,
                      curves_plot: Path, training_plot: Path, log=print) -> None:
    """The fronts over family × level × size, the Tables 4/5 analog of every family and each
    model's sensitivity to the training level (claim 6 across families), the learning curves
    against each level's DFT error and the training curves of the whole-half models."""
    from ..analysis.tables import write_table
    from .report import (claims_by_family, family_front, learning_curves_plot, level_sensitivity,
                         training_curves_plot, whole_half_table, front_plot as draw_front)

    trained = read_result_tables(model_paths)
    md = {r["family"]: r for r in (json.loads(Path(p).read_text()) for p in md_paths)}
    qsnap_md = {int(r["twojmax"]): r for r in (json.loads(Path(p).read_text())
                                               for p in qsnap_md_paths)}
    summary = read_csv(summary_path)
    points = family_front(summary, trained, md, qsnap_md)
    write_table(points[points["on_front"]].sort_values("dft_cost_min"), front_stem)
    draw_front(points, front_plot)
    whole = whole_half_table(read_result_tables(whole_half_paths), trained, table_weights, levels)
    write_table(whole, whole_half_stem)
    write_table(level_sensitivity(whole, levels, reference_level), sensitivity_stem)
    write_table(claims_by_family(points, whole, levels, reference_level, table_weights),
                claims_stem)
    rmsd = read_csv(dft_rmsd_path)
    learning_curves_plot(trained, summary, rmsd, levels, reference_level, table_weights,
                         curves_plot)
    training_curves_plot(trained, ModelStore(store), training_plot, levels)
    log(f"{int(points['on_front'].sum())} of {len(points)} settings on the family front; "
        f"{len(trained)} trained models")

