"""One trained model of a study: its training set, chosen as the qSNAP sweep chooses it, its
training (or its model-store entry), and its row of errors in the sweep's columns.

A training set is (training level, sampler, size, repeat). The sampler's ordering of the training
half is the sweep's (seeded by the fit seed, the repeat and the sampler's place in
``fit.samplers``; leverage scores from one 2Jmax's leverage file), so a trained model and a qSNAP
model of the same set saw the same configurations; ``whole_half`` is the whole training half. A
share of the set (``valid_fraction``, seeded) is held out for early stopping: the test half is
never seen during training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..dft.costs import configuration_costs
from ..dft.chunks import configuration_key
from .fit import WHOLE_HALF, sampling_order
from ..dft.labels import analysis_set
from ..io.storage import read_csv
from . import trained_family
from .store import (DEFAULT_MODEL_WORK, ModelStore, labels_fingerprint, model_identity,
                    model_key)


@dataclass(frozen=True)
class TrainingSet:
    """Which configurations, at which level, train one model."""

    train_level: str
    sampler: str
    size: int
    repeat: int

    @property
    def stem(self) -> str:
        """The file name of its result row."""
        if self.sampler == WHOLE_HALF:
            return f"L{self.train_level}_{WHOLE_HALF}"
        return f"L{self.train_level}_{self.sampler}_n{self.size}_r{self.repeat}"


def training_order(train: np.ndarray, sampler: str, repeat: int, *, samplers: list[str],
                   seed: int, scores: dict[str, np.ndarray]) -> np.ndarray:
    """The sweep's ordering of the training configurations ``train`` for (sampler, repeat)."""
    if sampler == WHOLE_HALF:
        return np.asarray(train)
    if sampler not in samplers:
        raise ValueError(f"sampler {sampler!r} is not in fit.samplers {samplers}: a trained "
                         "family samples like the qSNAP sweep; add it there")
    rng = np.random.default_rng([seed, repeat, samplers.index(sampler)])
    return train[sampling_order(len(train), sampler, rng, scores.get(sampler))]


def validation_split(subset: np.ndarray, fraction: float, seed: int, repeat: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(fitted, validation) parts of a training subset: at least one of each."""
    n = len(subset)
    if n < 2:
        raise ValueError(f"a trained model needs at least 2 training configurations (1 is held "
                         f"out for early stopping); got {n}")
    n_valid = min(n - 1, max(1, int(round(fraction * n))))
    perm = np.random.default_rng([seed, repeat, n, 1]).permutation(n)
    return subset[np.sort(perm[n_valid:])], subset[np.sort(perm[:n_valid])]


def _rmse(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else float("nan")


def error_columns(name: str, pred_e: np.ndarray, pred_f: list[np.ndarray], n_atoms: np.ndarray,
                  targets: dict[str, tuple[np.ndarray, list[np.ndarray]]]) -> dict:
    """The sweep's error columns of one set: energy per atom (plain and mean-shifted) and force
    components, against each target level (meV/atom, meV/Å)."""
    row = {}
    for target, (ref_e, ref_f) in targets.items():
        de = (pred_e - ref_e) / n_atoms
        df = np.concatenate([(p - r).ravel() for p, r in zip(pred_f, ref_f)])
        row[f"{name}_energy_rmse_meV_per_atom_vs_{target}"] = 1e3 * _rmse(de)
        row[f"{name}_energy_rmse_shifted_meV_per_atom_vs_{target}"] = 1e3 * _rmse(de - de.mean())
        row[f"{name}_force_rmse_meV_per_A_vs_{target}"] = 1e3 * _rmse(df)
    return row


def train_one(structures_path: Path, label_paths: list[Path], leverage_path: Path | None, *,
              family: str, settings: dict, training_set: TrainingSet, config: dict,
              store_root: Path, offline: bool = False,
              work_root: Path = Path(DEFAULT_MODEL_WORK), log=print) -> pd.DataFrame:
    """Train (or read from the store) one model and return its row of errors. ``offline``: read
    the store only (any code version; the family's code need not be installed)."""
    module = trained_family(family)
    settings = module.settings_with_defaults(settings)
    fit = config["fit"]
    structures, labels, use = analysis_set(structures_path, label_paths)
    levels = [lab.level for lab in labels]
    ts = training_set
    li, ref = levels.index(str(ts.train_level)), levels.index(str(fit["reference_level"]))
    index = np.flatnonzero(use)
    is_train = structures.is_train[index]
    train, test = np.flatnonzero(is_train), np.flatnonzero(~is_train)
    scores = {}
    if leverage_path is not None:
        lev = read_csv(leverage_path).set_index("config_index").loc[index[train]]
        scores = {"leverage": lev["leverage"].to_numpy(),
                  "block_leverage": lev["block_leverage"].to_numpy()}
    size = len(train) if ts.sampler == WHOLE_HALF else int(ts.size)
    if size > len(train):
        raise ValueError(f"models.{family}: size {size} exceeds the {len(train)} training "
                         "configurations labelled at every level")
    seed = int(fit.get("seed", 58))
    order = training_order(train, ts.sampler, ts.repeat, samplers=list(fit["samplers"]),
                           seed=seed, scores=scores)
    subset = order[:size]
    fitted, valid = validation_split(subset, settings["valid_fraction"], seed, ts.repeat)

    atoms = [structures.atoms(int(i)) for i in index]
    keys = [configuration_key(a) for a in atoms]
    energies = {lv: labels[k].energy[index] for k, lv in enumerate(levels)}
    forces = {lv: [labels[k].config_forces(int(i)) for i in index] for k, lv in enumerate(levels)}
    level = levels[li]

    def frames(part):
        return [module.labelled_frame(atoms[c], energies[level][c], forces[level][c])
                for c in part]

    train_seed = seed + ts.repeat
    labels_hash = labels_fingerprint(energies[level][subset], [forces[level][c] for c in subset])
    identity = model_identity(family, settings, train_seed, [keys[c] for c in fitted],
                              [keys[c] for c in valid], labels_hash)
    store = ModelStore(store_root, work_root)
    if offline:
        key = store.find(family, identity)
        if key is None:
            raise FileNotFoundError(
                f"models.{family} {ts.stem}: no entry {identity}.* in the model store "
                f"{store.root}/{family} (models.offline is set: nothing is trained); unset "
                "models.offline to train it")
    else:
        versions = module.versions()
        key = model_key(identity, versions)
    if not store.has(family, key):
        log(f"{family} {ts.stem}: training ({len(fitted)} fitted, {len(valid)} validation "
            f"configurations; entry {key})")
        result = module.train(frames(fitted), frames(valid), settings, train_seed,
                              store.work_dir(family, key), log=log)
        pred_e, pred_f = module.predict(result["model"], atoms, settings)
        curve = result["curve"]
        meta = {"settings": settings, "seed": train_seed, "training_set": ts.__dict__,
                "train_level": level, "level_settings": labels[li].settings,
                "n_fitted": len(fitted), "n_validation": len(valid), "labels_hash": labels_hash,
                "identity": identity, "versions": versions, "train_wall_s": result["wall_s"],
                "epochs": int(curve["epoch"].max()) + 1 if len(curve["epoch"]) else 0}
        store.write(family, key, meta=meta, config_keys=keys, energies_eV=pred_e,
                    forces_eV_per_A=pred_f, curve=curve)
    else:
        log(f"{family} {ts.stem}: from the model store ({key})")
    entry = store.read(family, key)
    pred_e, pred_f = entry.predictions(keys)
    n_atoms = structures.n_atoms[index]
    cost = configuration_costs(labels, config, index)[:, li]
    row = {"family": family, "model": family,
           "train_level": level, "sampler": ts.sampler, "size": size,
           "repeat": ts.repeat, "dft_cost_s": float(cost[subset].sum()),
           "train_wall_s": float(entry.meta["train_wall_s"]), "epochs": entry.meta["epochs"],
           "model_store_key": key}
    for name, part in (("subsample", subset), ("train", train), ("test", test)):
        targets = {t: (energies[lv][part], [forces[lv][c] for c in part])
                   for t, lv in (("train_level", level), ("reference", levels[ref]))}
        row.update(error_columns(name, pred_e[part], [pred_f[c] for c in part], n_atoms[part],
                                 targets))
    return pd.DataFrame([row])
