"""One trained model of a study: its training set, chosen as the qSNAP sweep chooses it, its
training (or its model-store entry), and its row of errors in the sweep's columns; and the
multi-fidelity models of a trained family (pre-trained on a cheap level and fine-tuned, or
trained with one head per level), whose rows carry mixed fidelity's columns.

A training set is (training level, sampler, size, repeat). The sampler's ordering of the training
half is the sweep's (seeded by the fit seed, the repeat and the sampler's place in
``fit.samplers``; leverage scores from one 2Jmax's leverage file), so a trained model and a qSNAP
model of the same set saw the same configurations; ``whole_half`` is the whole training half. A
share of the set (``valid_fraction``, seeded) is held out for early stopping: the test half is
never seen during training.

A multi-fidelity set (method, low level, high level, sampler, high size, repeat) takes the low
level's labels on the whole training half, as its whole-half model does, and the high level's
on the sweep's first ``high size`` configurations of (sampler, repeat), so S_hi ⊂ S_lo as in
qSNAP's mixed fidelity. ``finetune`` starts from the low level's whole-half model and trains all
of its weights on S_hi (after Sec. 4 of "Understanding multi-fidelity training of machine-learned
force fields"); ``multihead`` trains one model from scratch on both, one readout head per level,
and predicts through the high level's head (Sec. 6).
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


@dataclass(frozen=True)
class MultiFidelitySet:
    """Which labels train one multi-fidelity model, and how."""

    method: str
    low_level: str
    high_level: str
    sampler: str
    high_size: int
    repeat: int

    @property
    def stem(self) -> str:
        """The file name of its result row."""
        return (f"{self.method}_L{self.low_level}-L{self.high_level}_{self.sampler}"
                f"_n{self.high_size}_r{self.repeat}")


MULTIFIDELITY_METHODS = ("finetune", "multihead")


class StudyData:
    """The configurations a trained family sees: those labelled at every level, their training
    and test halves, labels and DFT costs, and the sweep's orderings of the training half."""

    def __init__(self, structures_path: Path, label_paths: list[Path],
                 leverage_path: Path | None, config: dict):
        fit = config["fit"]
        structures, labels, use = analysis_set(structures_path, label_paths)
        self.levels = [lab.level for lab in labels]
        self.labels = labels
        self.reference = str(fit["reference_level"])
        self.samplers = list(fit["samplers"])
        self.seed = int(fit.get("seed", 58))
        index = np.flatnonzero(use)
        is_train = structures.is_train[index]
        self.train, self.test = np.flatnonzero(is_train), np.flatnonzero(~is_train)
        self.scores = {}
        if leverage_path is not None:
            lev = read_csv(leverage_path).set_index("config_index").loc[index[self.train]]
            self.scores = {"leverage": lev["leverage"].to_numpy(),
                           "block_leverage": lev["block_leverage"].to_numpy()}
        self.atoms = [structures.atoms(int(i)) for i in index]
        self.keys = [configuration_key(a) for a in self.atoms]
        self.energies = {lv: labels[k].energy[index] for k, lv in enumerate(self.levels)}
        self.forces = {lv: [labels[k].config_forces(int(i)) for i in index]
                       for k, lv in enumerate(self.levels)}
        self.n_atoms = structures.n_atoms[index]
        self.cost = configuration_costs(labels, config, index)

    def level(self, name) -> str:
        """The level called ``name``; an unknown one is an error naming the levels."""
        if str(name) not in self.levels:
            raise ValueError(f"level {name!r} is not one of the labelled levels {self.levels}")
        return str(name)

    def subset(self, sampler: str, size: int, repeat: int, family: str) -> np.ndarray:
        """The sweep's first ``size`` training configurations of (sampler, repeat)."""
        if size > len(self.train):
            raise ValueError(f"models.{family}: size {size} exceeds the {len(self.train)} "
                             "training configurations labelled at every level")
        order = training_order(self.train, sampler, repeat, samplers=self.samplers,
                               seed=self.seed, scores=self.scores)
        return order[:size]

    def frames(self, module, level: str, part) -> list:
        """Frames of configurations ``part`` labelled at ``level``."""
        return [module.labelled_frame(self.atoms[c], self.energies[level][c],
                                      self.forces[level][c]) for c in part]

    def labels_hash(self, level: str, part) -> str:
        """The fingerprint of ``part``'s labels at ``level``."""
        return labels_fingerprint(self.energies[level][part],
                                  [self.forces[level][c] for c in part])

    def level_cost_s(self, level: str, part) -> float:
        """The DFT cost (s) of labelling ``part`` at ``level``."""
        return float(self.cost[np.asarray(part, dtype=int), self.levels.index(level)].sum())

    def errors(self, pred_e: np.ndarray, pred_f: list[np.ndarray], targets: dict[str, str],
               parts: dict[str, np.ndarray]) -> dict:
        """The error columns of each named part against each target (column name: level)."""
        row = {}
        for name, part in parts.items():
            wanted = {t: (self.energies[lv][part], [self.forces[lv][c] for c in part])
                      for t, lv in targets.items()}
            row.update(error_columns(name, pred_e[part], [pred_f[c] for c in part],
                                     self.n_atoms[part], wanted))
        return row


def _entry_key(store: ModelStore, module, family: str, identity: str, offline: bool,
               what: str) -> str:
    """The store key of the model ``identity``: trained by this code, or (offline) by any."""
    if not offline:
        return model_key(identity, module.versions())
    key = store.find(family, identity)
    if key is None:
        raise FileNotFoundError(
            f"models.{family} {what}: no entry {identity}.* in the model store "
            f"{store.root}/{family} (models.offline is set: nothing is trained); unset "
            "models.offline to train it")
    return key


def _train_into_store(store: ModelStore, module, family: str, key: str, data: StudyData,
                      meta: dict, fitted_frames, valid_frames, settings: dict, seed: int,
                      log=print, **how) -> None:
    """Train one model in its work folder and write its store entry."""
    result = module.train(fitted_frames, valid_frames, settings, seed,
                          store.work_dir(family, key), log=log, **how)
    pred_e, pred_f = module.predict(result["model"], data.atoms, settings, result["head"])
    curve = result["curve"]
    meta = {**meta, "settings": settings, "seed": seed, "versions": module.versions(),
            "train_wall_s": result["wall_s"],
            "epochs": int(curve["epoch"].max()) + 1 if len(curve["epoch"]) else 0}
    if result["head"] is not None:
        meta["head"] = result["head"]
    store.write(family, key, meta=meta, config_keys=data.keys, energies_eV=pred_e,
                forces_eV_per_A=pred_f, curve=curve)


def _single_level_model(data: StudyData, module, family: str, settings: dict,
                        ts: TrainingSet, store: ModelStore, offline: bool, log=print
                        ) -> tuple[str, np.ndarray, dict]:
    """(store key, training subset, what trains it) of one single-level model, trained unless
    it is in the store."""
    level = data.level(ts.train_level)
    size = len(data.train) if ts.sampler == WHOLE_HALF else int(ts.size)
    subset = data.subset(ts.sampler, size, ts.repeat, family)
    fitted, valid = validation_split(subset, settings["valid_fraction"], data.seed, ts.repeat)
    train_seed = data.seed + ts.repeat
    labels_hash = data.labels_hash(level, subset)
    identity = model_identity(family, settings, train_seed, [data.keys[c] for c in fitted],
                              [data.keys[c] for c in valid], labels_hash)
    key = _entry_key(store, module, family, identity, offline, ts.stem)
    inputs = {"fitted": data.frames(module, level, fitted),
              "valid": data.frames(module, level, valid), "seed": train_seed}
    if not store.has(family, key):
        log(f"{family} {ts.stem}: training ({len(fitted)} fitted, {len(valid)} validation "
            f"configurations; entry {key})")
        meta = {"training_set": ts.__dict__, "train_level": level,
                "level_settings": data.labels[data.levels.index(level)].settings,
                "n_fitted": len(fitted), "n_validation": len(valid),
                "labels_hash": labels_hash, "identity": identity}
        _train_into_store(store, module, family, key, data, meta, inputs["fitted"],
                          inputs["valid"], settings, train_seed, log=log)
    else:
        log(f"{family} {ts.stem}: from the model store ({key})")
    return key, subset, inputs


def train_one(structures_path: Path, label_paths: list[Path], leverage_path: Path | None, *,
              family: str, settings: dict, training_set: TrainingSet, config: dict,
              store_root: Path, offline: bool = False,
              work_root: Path = Path(DEFAULT_MODEL_WORK), log=print) -> pd.DataFrame:
    """Train (or read from the store) one model and return its row of errors. ``offline``: read
    the store only (any code version; the family's code need not be installed)."""
    module = trained_family(family)
    settings = module.settings_with_defaults(settings)
    data = StudyData(structures_path, label_paths, leverage_path, config)
    store = ModelStore(store_root, work_root)
    ts = training_set
    key, subset, _ = _single_level_model(data, module, family, settings, ts, store, offline,
                                         log)
    entry = store.read(family, key)
    pred_e, pred_f = entry.predictions(data.keys)
    level = data.level(ts.train_level)
    row = {"family": family, "model": family,
           "train_level": level, "sampler": ts.sampler, "size": len(subset),
           "repeat": ts.repeat, "dft_cost_s": data.level_cost_s(level, subset),
           "train_wall_s": float(entry.meta["train_wall_s"]), "epochs": entry.meta["epochs"],
           "model_store_key": key}
    row.update(data.errors(pred_e, pred_f, {"train_level": level, "reference": data.reference},
                           {"subsample": subset, "train": data.train, "test": data.test}))
    return pd.DataFrame([row])


def train_multifidelity(structures_path: Path, label_paths: list[Path],
                        leverage_path: Path | None, *, family: str, settings: dict,
                        finetune: dict | None, mf_set: MultiFidelitySet, config: dict,
                        store_root: Path, offline: bool = False,
                        work_root: Path = Path(DEFAULT_MODEL_WORK), log=print) -> pd.DataFrame:
    """Train (or read from the store) one multi-fidelity model and return its row in mixed
    fidelity's columns: low and high level and size, their DFT costs, test errors against the
    reference and the high level. ``finetune``: ``lr`` and ``max_num_epochs`` of fine-tuning
    (the ``finetune`` method only)."""
    module = trained_family(family)
    settings = module.settings_with_defaults(settings)
    data = StudyData(structures_path, label_paths, leverage_path, config)
    store = ModelStore(store_root, work_root)
    mf = mf_set
    if mf.method not in MULTIFIDELITY_METHODS:
        raise ValueError(f"models.{family}.multifidelity: unknown method {mf.method!r}; use "
                         f"{list(MULTIFIDELITY_METHODS)}")
    low, high = data.level(mf.low_level), data.level(mf.high_level)
    if low == high:
        raise ValueError(f"models.{family}.multifidelity: low and high level are both {low}")
    high_subset = data.subset(mf.sampler, int(mf.high_size), mf.repeat, family)
    fitted, valid = validation_split(high_subset, settings["valid_fraction"], data.seed,
                                     mf.repeat)
    train_seed = data.seed + mf.repeat
    low_subset, pretrained_key = data.train, None
    if mf.method == "finetune":
        low_set = TrainingSet(low, WHOLE_HALF, len(data.train), 0)
        pretrained_key, low_subset, pretrain = _single_level_model(
            data, module, family, settings, low_set, store, offline, log)
        # a fine-tuned model is a function of the pre-trained one's identity, not of the code
        # versions that trained it
        how = {"method": "finetune", "pretrained": pretrained_key.rsplit(".", 1)[0],
               "lr": float(finetune["lr"]), "max_num_epochs": int(finetune["max_num_epochs"])}
    else:
        low_fitted, low_valid = validation_split(data.train, settings["valid_fraction"],
                                                 data.seed, 0)
        how = {"method": "multihead", "auxiliary_labels": data.labels_hash(low, data.train),
               "auxiliary_train": [data.keys[c] for c in low_fitted],
               "auxiliary_valid": [data.keys[c] for c in low_valid]}
    identity = model_identity(family, {**settings, "multifidelity": how}, train_seed,
                              [data.keys[c] for c in fitted], [data.keys[c] for c in valid],
                              data.labels_hash(high, high_subset))
    key = _entry_key(store, module, family, identity, offline, mf.stem)
    if not store.has(family, key):
        if mf.method == "finetune":
            model = module.model_file(store.work_dir(family, pretrained_key))
            if not model.exists():
                # the store keeps predictions, not weights: train the pre-trained model again
                log(f"{family} {mf.stem}: the weights of {pretrained_key} are not on this "
                    "machine; training it again")
                module.train(pretrain["fitted"], pretrain["valid"], settings, pretrain["seed"],
                             store.work_dir(family, pretrained_key), log=log)
                model = module.model_file(store.work_dir(family, pretrained_key))
            train_settings = {**settings, "lr": how["lr"],
                              "max_num_epochs": how["max_num_epochs"]}
            kwargs = {"init_model": model}
        else:
            train_settings = settings
            kwargs = {"auxiliary": (data.frames(module, low, low_fitted),
                                    data.frames(module, low, low_valid))}
        log(f"{family} {mf.stem}: training ({len(fitted)} fitted, {len(valid)} validation "
            f"configurations at level {high}; entry {key})")
        meta = {"multifidelity_set": mf.__dict__, "identity": identity,
                "multifidelity": {k: v for k, v in how.items() if not k.startswith("auxiliary_")},
                "pretrained_store_key": pretrained_key, "n_fitted": len(fitted),
                "n_validation": len(valid)}
        _train_into_store(store, module, family, key, data, meta,
                          data.frames(module, high, fitted), data.frames(module, high, valid),
                          train_settings, train_seed, log=log, **kwargs)
    else:
        log(f"{family} {mf.stem}: from the model store ({key})")
    entry = store.read(family, key)
    pred_e, pred_f = entry.predictions(data.keys)
    low_cost, high_cost = data.level_cost_s(low, low_subset), data.level_cost_s(high, high_subset)
    row = {"family": family, "model": family, "method": mf.method, "sampler": mf.sampler,
           "low_level": low, "high_level": high, "train_level": f"{low}+{high}",
           "low_size": len(low_subset), "high_size": len(high_subset), "repeat": mf.repeat,
           "low_cost_s": low_cost, "high_cost_s": high_cost, "dft_cost_s": low_cost + high_cost,
           "train_wall_s": float(entry.meta["train_wall_s"]), "epochs": entry.meta["epochs"],
           "model_store_key": key, "pretrained_store_key": pretrained_key or ""}
    row.update(data.errors(pred_e, pred_f, {"high_level": high, "reference": data.reference},
                           {"test": data.test}))
    return pd.DataFrame([row])
