"""The model store: one entry per trained model, like the DFT record store.

An entry is keyed on what the model depends on: its identity (the family, its settings and seed,
the training and validation configurations by configuration hash, in order, and a hash of their
labels at the training level) and a hash of the code versions that trained it
(``<family>/<identity>.<versions>.npz``). It holds the model's
predictions for every configuration of the study (the test half included), keyed by
configuration hash, and its training curve; it is written once, under a temporary name, as soon
as the model is trained, so a finished model is never trained again. The model's files (weights,
checkpoints) live in a work folder of their own, outside the store (``model-work/`` by default): they
are not part of the entry (a study reads only predictions), so a store can be committed without them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..io.storage import atomic_path, config_hash

DEFAULT_MODEL_STORE = "model-store"
# where models train (weights, checkpoints): beside results/, never inside a committed store
DEFAULT_MODEL_WORK = "model-work"


def labels_fingerprint(energies: np.ndarray, forces: list[np.ndarray]) -> str:
    """A hash of training labels (eV, eV/Å), bit for bit."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(np.asarray(energies, dtype=np.float64)).tobytes())
    for f in forces:
        digest.update(np.ascontiguousarray(np.asarray(f, dtype=np.float64)).tobytes())
    return digest.hexdigest()[:24]


# Settings that choose where and how fast a model trains, not what it learns.
RUN_ONLY_SETTINGS = ("threads", "device")


def model_identity(family: str, settings: dict, seed: int, train_keys: list[str],
                   valid_keys: list[str], labels_hash: str) -> str:
    """What a trained model is a function of, code versions aside: a hash of the family, its
    settings (less RUN_ONLY_SETTINGS) and seed, and its training and validation sets."""
    learned = {k: v for k, v in settings.items() if k not in RUN_ONLY_SETTINGS}
    return config_hash({"family": family, "settings": learned, "seed": int(seed),
                        "train": list(train_keys), "valid": list(valid_keys),
                        "labels": labels_hash})


def model_key(identity: str, versions: dict) -> str:
    """The store key of one trained model: its identity and the code versions that trained it."""
    return f"{identity}.{config_hash(versions)[:8]}"


class ModelStore:
    """The folder ``root`` of ``<family>/<key>.npz`` entries; training folders under ``work_root``."""

    def __init__(self, root: str | Path, work_root: str | Path = DEFAULT_MODEL_WORK):
        self.root, self.work_root = Path(root), Path(work_root)

    def entry_path(self, family: str, key: str) -> Path:
        """Where entry ``key`` of ``family`` lives."""
        return self.root / family / f"{key}.npz"

    def work_dir(self, family: str, key: str) -> Path:
        """The training folder of entry ``key`` (checkpoints; kept between attempts)."""
        return self.work_root / family / key

    def has(self, family: str, key: str) -> bool:
        """Whether entry ``key`` exists."""
        return self.entry_path(family, key).exists()

    def find(self, family: str, identity: str) -> str | None:
        """The key of an entry of ``identity`` trained by any code version (the newest file), for
        a study that reads the store without the family's code installed."""
        found = sorted(self.root.joinpath(family).glob(f"{identity}.*.npz"),
                       key=lambda p: p.stat().st_mtime)
        return found[-1].name[:-len(".npz")] if found else None

    def write(self, family: str, key: str, *, meta: dict, config_keys: list[str],
              energies_eV: np.ndarray, forces_eV_per_A: list[np.ndarray],
              curve: dict[str, np.ndarray]) -> Path:
        """Write one entry: predictions of each configuration and the training curve."""
        path = self.entry_path(family, key)
        n_atoms = np.array([len(f) for f in forces_eV_per_A], dtype=np.int64)
        arrays = {
            "meta_json": np.array(json.dumps({**meta, "key": key, "family": family},
                                             sort_keys=True, default=str)),
            "config_keys": np.array(config_keys, dtype="U24"),
            "n_atoms": n_atoms,
            "energy_eV": np.asarray(energies_eV, dtype=np.float64),
            "forces_eV_per_A": (np.concatenate(forces_eV_per_A).astype(np.float32)
                                if len(forces_eV_per_A) else np.zeros((0, 3), np.float32)),
            **{f"curve_{k}": np.asarray(v) for k, v in curve.items()},
        }
        # a record checks itself (a CRC-32 per zip member): the store keeps one file each
        with atomic_path(path, suffix=".npz.tmp", content_hash=False) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
        return path

    def read(self, family: str, key: str) -> "ModelEntry":
        """Entry ``key``; a damaged one is an error naming it and the fix."""
        path = self.entry_path(family, key)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise
        except Exception as err:  # zip and npy errors have no common base
            raise ValueError(f"model store entry {path} is unreadable ({err}): delete it and "
                             "rerun; the model is trained again") from None
        return ModelEntry(path, arrays)


class ModelEntry:
    """One trained model's predictions (by configuration hash) and training curve."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray]):
        self.path = path
        self.meta = json.loads(str(arrays["meta_json"]))
        self.config_keys = [str(k) for k in arrays["config_keys"]]
        offsets = np.concatenate([[0], np.cumsum(arrays["n_atoms"])])
        self._energy = arrays["energy_eV"]
        self._forces = arrays["forces_eV_per_A"].astype(np.float64)
        self._index = {k: i for i, k in enumerate(self.config_keys)}
        self._offsets = offsets
        self.curve = {k[len("curve_"):]: v for k, v in arrays.items() if k.startswith("curve_")}

    def predictions(self, keys: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Energies (eV) and forces (eV/Å) of the configurations ``keys``."""
        missing = [k for k in keys if k not in self._index]
        if missing:
            raise KeyError(f"model store entry {self.path} has no prediction for "
                           f"{len(missing)} configuration(s) (first {missing[0]}): it was made "
                           "for another set; delete it and rerun")
        idx = [self._index[k] for k in keys]
        return (self._energy[idx],
                [self._forces[self._offsets[i]:self._offsets[i + 1]] for i in idx])
