"""MACE (mace-torch, an optional extra: ``pip install -e '.[mace]'``) as a trained family.

Training goes through MACE's own command line (``mace.cli.run_train``) in a child process, so its
global state (torch's default dtype, logging handlers) never leaks into the caller and a killed
training resumes from MACE's latest checkpoint (``--restart_latest``). MACE deletes its previous
checkpoint before it writes the next, so a kill during that write would leave nothing whole and the
restart would begin at epoch 0: training keeps every checkpoint (``--keep_checkpoints``), prunes
all but the newest two of each kind while it runs, and a restart first drops a half-written one.
Predictions and MD go through
MACE's ASE calculator. Every hyper-parameter below is a config key of ``models.mace``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# The defaults, and the names the config takes (units in the names where there are any).
DEFAULTS = {
    "num_channels": 32,            # channels of every irrep in the hidden features
    "max_L": 1,                    # highest irrep of the messages (1: scalars and vectors)
    "correlation": 3,              # body order of the ACE product basis minus one
    "num_interactions": 2,
    "max_ell": 3,                  # spherical harmonics of the edge features
    "r_max_A": 5.0,
    "num_radial_basis": 8,
    "num_cutoff_basis": 5,
    "batch_size": 5,
    "valid_batch_size": 10,
    "lr": 0.01,
    "max_num_epochs": 300,
    "patience": 50,                # epochs without a better validation loss before stage two
    "scheduler_patience": 15,
    "energy_weight": 1.0,
    "forces_weight": 100.0,
    "stage_two_start_fraction": 0.7,   # stage two (energy-heavy loss) from this share of epochs
    "stage_two_energy_weight": 1000.0,
    "stage_two_forces_weight": 100.0,
    "stage_two_lr": 0.001,
    "ema_decay": 0.99,
    "default_dtype": "float32",    # float64 halves the speed on CPU for no gain at meV accuracy
    "E0s": "average",
    "valid_fraction": 0.1,         # of the training subset, for early stopping
    "device": "auto",              # cuda where torch sees a GPU, else cpu; or name one
    "threads": 1,
}

ENERGY_KEY, FORCES_KEY = "REF_energy", "REF_forces"


def settings_with_defaults(settings: dict | None) -> dict:
    """The family's settings: ``settings`` over DEFAULTS; an unknown key is an error naming it."""
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"models.mace: unknown key(s) {unknown}; it takes {sorted(DEFAULTS)}")
    return {**DEFAULTS, **settings}


def versions() -> dict[str, str]:
    """The versions a trained model depends on (part of its store key)."""
    import e3nn
    import mace
    import torch
    return {"mace-torch": mace.__version__, "torch": torch.__version__, "e3nn": e3nn.__version__}


def _write_frames(path: Path, frames) -> None:
    from ase.io import write
    out = []
    for atoms in frames:
        copy = atoms.copy()
        copy.calc = None
        copy.info = {ENERGY_KEY: float(atoms.info[ENERGY_KEY])}
        copy.arrays[FORCES_KEY] = np.asarray(atoms.arrays[FORCES_KEY], dtype=float)
        out.append(copy)
    tmp = path.with_suffix(".tmp.xyz")
    write(tmp, out, format="extxyz")
    os.replace(tmp, path)


def labelled_frame(atoms, energy_eV: float, forces_eV_per_A: np.ndarray):
    """A copy of ``atoms`` carrying the labels under the keys the training reads."""
    frame = atoms.copy()
    frame.info[ENERGY_KEY] = float(energy_eV)
    frame.arrays[FORCES_KEY] = np.asarray(forces_eV_per_A, dtype=float)
    return frame


def device(settings: dict) -> str:
    """The torch device: ``settings['device']``, or for 'auto' cuda when a GPU is visible."""
    if settings["device"] != "auto":
        return settings["device"]
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def command_line(settings: dict, workdir: Path, seed: int, *, init_model: Path | None = None,
                 heads: tuple[str, ...] | None = None) -> list[str]:
    """MACE's training command for ``workdir``'s train.xyz and valid.xyz; or, with ``heads``, a
    multi-head model with one readout per head trained jointly on train_<head>.xyz and
    valid_<head>.xyz; with ``init_model``, starting from that model's weights (its architecture
    wins over the settings') with a fresh optimiser."""
    s = settings
    start_two = max(1, int(round(s["stage_two_start_fraction"] * s["max_num_epochs"])))
    args = {
        "name": "model", "seed": seed, "device": device(s), "default_dtype": s["default_dtype"],
        "train_file": workdir / "train.xyz", "valid_file": workdir / "valid.xyz",
        "energy_key": ENERGY_KEY, "forces_key": FORCES_KEY, "E0s": s["E0s"],
        "model": "MACE", "num_channels": s["num_channels"], "max_L": s["max_L"],
        "correlation": s["correlation"], "num_interactions": s["num_interactions"],
        "max_ell": s["max_ell"], "r_max": s["r_max_A"],
        "num_radial_basis": s["num_radial_basis"], "num_cutoff_basis": s["num_cutoff_basis"],
        "batch_size": s["batch_size"], "valid_batch_size": s["valid_batch_size"], "lr": s["lr"],
        "max_num_epochs": s["max_num_epochs"], "patience": s["patience"],
        "scheduler_patience": s["scheduler_patience"], "eval_interval": 1,
        "loss": "weighted", "energy_weight": s["energy_weight"],
        "forces_weight": s["forces_weight"], "start_stage_two": start_two,
        "stage_two_energy_weight": s["stage_two_energy_weight"],
        "stage_two_forces_weight": s["stage_two_forces_weight"],
        "stage_two_lr": s["stage_two_lr"], "ema_decay": s["ema_decay"],
        "work_dir": workdir, "log_dir": workdir / "logs", "model_dir": workdir,
        "checkpoints_dir": workdir / "checkpoints", "results_dir": workdir / "results",
        "num_workers": 0, "error_table": "PerAtomRMSE",
    }
    if heads:
        del args["train_file"], args["valid_file"], args["E0s"]
        # each head its own E0s: the levels differ by a near-constant energy per atom
        args["heads"] = repr({h: {"train_file": str(workdir / f"train_{h}.xyz"),
                                  "valid_file": str(workdir / f"valid_{h}.xyz"), "E0s": s["E0s"]}
                              for h in heads})
    if init_model is not None:
        # plain fine-tuning: every weight trained (no frozen backbone, no replay head)
        args["foundation_model"] = Path(init_model).resolve()
        args["multiheads_finetuning"] = False
    flags = ["--stage_two", "--ema", "--amsgrad", "--restart_latest", "--save_cpu",
             "--keep_checkpoints"]
    return ([sys.executable, "-m", "mace.cli.run_train"]
            + [f"--{k}={v}" for k, v in args.items()] + flags)


def model_file(workdir: Path) -> Path:
    """The model MACE saves at the end: the stage-two model when stage two ran."""
    two = workdir / "model_stagetwo.model"
    return two if two.exists() else workdir / "model.model"


# checkpoints kept per kind (stage one; SWA, i.e. stage two) while MACE runs: the newest may be
# half-written when the run is killed, the one before it is whole
CHECKPOINTS_KEPT = 2
# seconds between two prunings of the checkpoint directory during a training
PRUNE_INTERVAL_S = 20.0


def _checkpoints(workdir: Path) -> dict[bool, list[Path]]:
    """MACE's epoch checkpoints in ``workdir``, by kind (SWA or not), oldest first."""
    kinds: dict[bool, list[tuple[int, Path]]] = {False: [], True: []}
    for path in (Path(workdir) / "checkpoints").glob("*_epoch-*.pt"):
        epoch, _, tag = path.stem.rsplit("_epoch-", 1)[-1].partition("_")
        if epoch.isdigit():
            kinds[tag == "swa"].append((int(epoch), path))
    return {swa: [p for _, p in sorted(items)] for swa, items in kinds.items()}


def prune_checkpoints(workdir: Path, keep: int = CHECKPOINTS_KEPT) -> None:
    """Delete all but the newest ``keep`` checkpoints of each kind."""
    for paths in _checkpoints(workdir).values():
        for path in paths[:-keep]:
            path.unlink(missing_ok=True)


def drop_unreadable_checkpoints(workdir: Path) -> list[Path]:
    """Delete the checkpoints torch cannot load (written when a run was killed), so that MACE's
    ``--restart_latest`` resumes from the newest whole one; returns those deleted."""
    import torch

    dropped = []
    for paths in _checkpoints(workdir).values():
        for path in paths:
            try:
                torch.load(path, map_location="cpu", weights_only=False)
            except Exception:   # a truncated zip or pickle: any of torch's loader errors
                path.unlink(missing_ok=True)
                dropped.append(path)
    return dropped


# the heads of a multi-head model: the auxiliary labels' and the target labels' (predicted)
AUXILIARY_HEAD, TARGET_HEAD = "auxiliary", "target"


def train(train_frames, valid_frames, settings: dict, seed: int, workdir: Path,
          log=print, *, init_model: Path | None = None, auxiliary=None) -> dict:
    """Train one model in ``workdir`` (kept between attempts: a rerun resumes from its latest
    checkpoint). Returns the model's path, the training curve, the wall time and the head to
    predict with.

    ``init_model``: fine-tune that trained model (its weights start the training);
    ``auxiliary``: (train, valid) frames of other labels of the same kind of configurations,
    fitted jointly through a readout head of their own (multi-head training: the backbone is
    shared; the model predicts through TARGET_HEAD)."""
    workdir = Path(workdir).resolve()   # MACE runs in it and reads its paths from there
    workdir.mkdir(parents=True, exist_ok=True)
    if auxiliary is None:
        files = {"train.xyz": train_frames, "valid.xyz": valid_frames}
        heads, head = None, None
    else:
        files = {f"train_{TARGET_HEAD}.xyz": train_frames,
                 f"valid_{TARGET_HEAD}.xyz": valid_frames,
                 f"train_{AUXILIARY_HEAD}.xyz": auxiliary[0],
                 f"valid_{AUXILIARY_HEAD}.xyz": auxiliary[1]}
        heads, head = (AUXILIARY_HEAD, TARGET_HEAD), TARGET_HEAD
    for name, frames in files.items():
        if not (workdir / name).exists():
            _write_frames(workdir / name, frames)
    env = {**os.environ, "OMP_NUM_THREADS": str(settings["threads"]),
           "MKL_NUM_THREADS": str(settings["threads"])}
    # MACE drops a last incomplete batch: a set smaller than a batch would train on nothing
    smallest = min(len(train_frames), len(auxiliary[0]) if auxiliary is not None else np.inf)
    settings = {**settings, "batch_size": int(min(int(settings["batch_size"]), smallest))}
    for path in drop_unreadable_checkpoints(workdir):
        log(f"{path}: half-written when an earlier run was killed; deleted, so the training "
            "resumes from the checkpoint before it")
    start = time.perf_counter()
    with open(workdir / "train.log", "a") as out:
        proc = subprocess.Popen(command_line(settings, workdir, seed, init_model=init_model,
                                             heads=heads), stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=workdir)
        try:
            while True:
                try:
                    proc.wait(timeout=PRUNE_INTERVAL_S)
                    break
                except subprocess.TimeoutExpired:
                    prune_checkpoints(workdir)
        except BaseException:   # the caller was interrupted: stop the training with it
            proc.kill()
            proc.wait()
            raise
    prune_checkpoints(workdir)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (workdir / "train.log").read_text().splitlines()[-15:]
        raise RuntimeError(f"MACE training in {workdir} failed (exit {proc.returncode}); "
                           "last lines of its train.log:\n" + "\n".join(tail))
    path = model_file(workdir)
    if not path.exists():
        raise RuntimeError(f"MACE training in {workdir} finished without a model file")
    curve = training_curve(workdir, head)
    log(f"trained {path} in {wall:.0f} s, {int(curve['epoch'].max()) + 1 if len(curve['epoch']) else 0} epochs")
    return {"model": path, "curve": curve, "wall_s": wall, "head": head}


def training_curve(workdir: Path, head: str | None = None) -> dict[str, np.ndarray]:
    """Per evaluation: epoch, training loss, and the validation RMSEs MACE logged (meV/atom,
    meV/Å), from MACE's results file (JSON lines); of one head's validation set when given."""
    rows = {"epoch": [], "train_loss": [], "valid_loss": [],
            "valid_energy_rmse_meV_per_atom": [], "valid_force_rmse_meV_per_A": []}
    train_loss = {}
    for path in sorted((Path(workdir) / "results").glob("*_train.txt")):
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            epoch = entry.get("epoch")
            if epoch is None:
                continue
            if entry.get("mode") == "opt":
                train_loss.setdefault(epoch, []).append(float(entry["loss"]))
            elif entry.get("mode") == "eval" and (head is None or entry.get("head") == head):
                rows["epoch"].append(int(epoch))
                rows["valid_loss"].append(float(entry["loss"]))
                rows["valid_energy_rmse_meV_per_atom"].append(
                    1e3 * float(entry.get("rmse_e_per_atom", np.nan)))
                rows["valid_force_rmse_meV_per_A"].append(1e3 * float(entry.get("rmse_f", np.nan)))
    rows["train_loss"] = [float(np.mean(train_loss.get(e, [np.nan]))) for e in rows["epoch"]]
    return {k: np.asarray(v, dtype=float if k != "epoch" else int) for k, v in rows.items()}


def calculator(model_path: Path, settings: dict, head: str | None = None):
    """MACE's ASE calculator for a trained model (through ``head`` of a multi-head one)."""
    from mace.calculators import MACECalculator
    kwargs = {} if head is None else {"head": head}
    return MACECalculator(model_paths=str(model_path), device=device(settings),
                          default_dtype=settings["default_dtype"], **kwargs)


def predict(model_path: Path, frames, settings: dict, head: str | None = None
            ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Energies (eV) and forces (eV/Å) of ``frames``."""
    import torch
    torch.set_num_threads(int(settings["threads"]))
    calc = calculator(model_path, settings, head)
    energies, forces = [], []
    for atoms in frames:
        atoms = atoms.copy()
        atoms.calc = calc
        energies.append(atoms.get_potential_energy())
        forces.append(atoms.get_forces().copy())
    return np.array(energies), forces


def md_speed(model_path: Path, settings: dict, atoms, steps: int) -> dict:
    """NVE velocity-Verlet MD (0.5 fs, 300 K start) of ``atoms`` through MACE's ASE calculator on
    one CPU thread: atoms·timestep/s, as qSNAP's one-process LAMMPS benchmark counts it. The cost does not depend
    on the weights, only on the architecture and the cell."""
    import torch
    from ase import units
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.md.verlet import VelocityVerlet

    torch.set_num_threads(1)
    atoms = atoms.copy()
    atoms.calc = calculator(model_path, {**settings, "device": "cpu"})
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(4928459))
    dyn = VelocityVerlet(atoms, timestep=0.5 * units.fs)
    dyn.run(1)   # the first call builds the neighbour list and warms torch up
    start = time.perf_counter()
    dyn.run(steps)
    elapsed = time.perf_counter() - start
    return {"n_atoms": len(atoms), "steps": steps, "seconds": elapsed, "md_mode": "nve",
            "threads": 1, "atom_timesteps_per_s": len(atoms) * steps / elapsed}
