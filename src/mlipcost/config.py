"""Checks of a configuration: its JSON schema, as one line naming the key, and the relations
between keys."""

from __future__ import annotations

from pathlib import Path


class ConfigError(ValueError):
    """A config that the schema allows but the workflow cannot run; the message names the key."""
    pass


def _key(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _subschema(schema: dict, path) -> dict:
    """The schema of the object at ``path`` (list items and plain properties only)."""
    for part in path:
        schema = schema.get("items", {}) if isinstance(part, int) else \
            schema.get("properties", {}).get(part, {})
    return schema


def _non_finite(value, path=()) -> tuple[list, float] | None:
    """(path, value) of the first NaN or infinite number in a config, or None."""
    import math
    if isinstance(value, float) and not math.isfinite(value):
        return list(path), value
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _non_finite(item, (*path, key))
        if found:
            return found
    return None


def schema_error(config: dict, schema_path: str | Path, config_files=()) -> str | None:
    """The first violation of the config schema as one line naming the key, what it allows and
    the file to fix, or None. (Snakemake's own validation prints the schema fragment over
    several lines; it still runs afterwards, to fill in the defaults.)"""
    import jsonschema
    import yaml

    where = ", ".join(str(f) for f in config_files) or "the config"
    # JSON Schema lets NaN and infinity through every number bound (NaN compares false)
    bad = _non_finite(config)
    if bad is not None:
        return (f"{where}: {_key(bad[0])}: {bad[1]} is not a finite number; fix it there "
                f"(schema: {schema_path})")
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(_subschema(schema, path).get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        keys = ", ".join(_key(path + [k]) for k in unknown)
        what = f"unknown key {keys}; {_key(path)} takes {', '.join(allowed)}"
    else:
        what = f"{_key(path)}: {error.message}"
        description = " ".join(str(error.schema.get("description", "")).split())
        if description and error.validator != "required":
            what += f" ({_key(path)}: {description})"
    return f"{where}: {what}; fix it there (schema: {schema_path})"


def level_names(config: dict) -> list[str]:
    """The names of the ladder's levels, loosest first."""
    return [str(level["name"]) for level in config["dft"]["levels"]]


def imported_levels(config: dict) -> list[str]:
    """Levels whose labels come from a file (``labels_from``)."""
    return [str(lvl["name"]) for lvl in config["dft"]["levels"] if "labels_from" in lvl]


def computed_levels(config: dict) -> list[str]:
    """Levels labelled by the workflow's own DFT."""
    return [str(lvl["name"]) for lvl in config["dft"]["levels"] if "labels_from" not in lvl]


def level_entry(config: dict, name: str) -> dict:
    """The config entry of level ``name``."""
    return next(lvl for lvl in config["dft"]["levels"] if str(lvl["name"]) == str(name))


def source_configurations(structures: dict) -> int:
    """How many configurations the structures source yields (before the bulk reference)."""
    if structures["source"] == "mixed":
        return sum(int(part["n_configs"]) for part in structures["parts"])
    if "n_configs" in structures:
        return int(structures["n_configs"])
    from .structures.importers import count_configurations

    return count_configurations(structures)


def _source_count(structures: dict) -> tuple[int, bool]:
    """(configurations of the source, whether it carries a bulk reference). A file is read once."""
    if structures["source"] in ("file", "paper_hdf"):
        from .structures.importers import read_structures_file
        from .structures.configurations import BULK_REFERENCE

        kinds = read_structures_file(structures)[0].kinds
        return len(kinds), BULK_REFERENCE in kinds
    return source_configurations(structures), False


def planned_configurations(structures: dict) -> int:
    """Configurations in structures.h5: the source's, plus the bulk reference unless the source
    already holds one (a file written by this workflow)."""
    n, has_reference = _source_count(structures)
    return n + int(structures.get("bulk_reference", True) and not has_reference)


def plan_mode(config: dict) -> str | None:
    """``plan.mode``: 'pilot' or 'production' (a pilot of the pool is labelled, then what the plan
    bought), 'adaptive' (labels bought in rounds until the targets are met), else None."""
    return (config.get("plan") or {}).get("mode")


ADAPTIVE_DEFAULTS = {"validation_size": 40, "growth": 1.5, "seed": 0, "n_resamples": 200}


def adaptive_settings(config: dict) -> dict:
    """What plan.mode 'adaptive' reads: the targets (meV/atom, meV/Å), the confidence, the energy
    weights, the leverage order's 2Jmax and weight, the DFT budget (s, from
    ``plan.budget_core_hours``; None: none) and ``plan.adaptive`` over its defaults."""
    plan = config.get("plan") or {}
    targets = plan.get("targets") or {}
    missing = [k for k in ("energy_meV_per_atom", "force_meV_per_A") if k not in targets]
    if missing:
        raise ConfigError(f"plan.mode adaptive stops when a model meets plan.targets; add "
                          f"plan.targets.{missing[0]}")
    twojmax = [int(j) for j in config["descriptors"]["twojmax"]]
    order = plan.get("order", {})
    order_twojmax = int(order.get("twojmax", max(twojmax)))
    if order_twojmax not in twojmax:
        raise ConfigError(f"plan.order.twojmax {order_twojmax} is not in descriptors.twojmax "
                          f"{twojmax}")
    return {"targets": {"energy": float(targets["energy_meV_per_atom"]),
                        "force": float(targets["force_meV_per_A"])},
            "confidence": float(plan.get("confidence", 0.9)),
            "energy_weights": [float(w) for w in config["fit"]["energy_weights"]],
            "order_twojmax": order_twojmax,
            "order_energy_weight": float(order.get(
                "energy_weight", config["fit"].get("leverage_energy_weight", 150))),
            "budget_s": (None if plan.get("budget_core_hours") is None
                         else 3600.0 * float(plan["budget_core_hours"])),
            **ADAPTIVE_DEFAULTS, **(plan.get("adaptive") or {})}


def pilot_configurations(config: dict) -> int:
    """Configurations in a pilot's structures.h5: its training prefix, its test draw and the
    pool's bulk reference (added by the workflow, or carried by a file source)."""
    plan = config["plan"]
    structures = config["structures"]
    _, carried = _source_count(structures)
    has_reference = carried or structures.get("bulk_reference", True)
    return int(plan["pilot_size"]) + int(plan["test_size"]) + int(has_reference)


def check_input_files(config: dict) -> None:
    """The files a config names exist, and the paper's pickled HDF files are marked trusted,
    before any job runs (a job that fails on its input has already had its old outputs removed)."""
    from .structures.importers import UntrustedFileError, _require_trusted

    files = []
    s = config["structures"]
    if s["source"] in ("file", "paper_hdf") and "path" in s:
        files.append(("structures.path", s, s["source"] == "paper_hdf"))
    for lvl in config["dft"]["levels"]:
        spec = lvl.get("labels_from")
        if spec:
            files.append((f"dft.levels[{lvl['name']}].labels_from.path", spec,
                          spec.get("format", "extxyz") == "paper_hdf"))
    summary = (config.get("plan") or {}).get("compare_with_summary")
    if summary and config["plan"].get("mode") == "production":
        files.append(("plan.compare_with_summary", {"path": summary}, False))
    for key, spec, pickled in files:
        path = Path(spec["path"])
        if not path.is_file():
            raise ConfigError(f"{key}: {path} is not a file (from {Path.cwd()}); fix the path")
        if pickled:
            try:
                _require_trusted(spec, key)
            except UntrustedFileError as err:
                raise ConfigError(str(err)) from None


def check_config(config: dict) -> None:
    """Raise ConfigError naming the key and the fix when keys contradict each other."""
    names = level_names(config)
    if len(set(names)) != len(names):
        raise ConfigError(f"dft.levels: level names must be unique, got {names}")
    for lvl in config["dft"]["levels"]:
        if "labels_from" not in lvl:
            missing = [k for k in ("cutoff_eV", "kspacing_per_A") if k not in lvl]
            if missing:
                raise ConfigError(f"dft.levels[{lvl['name']}]: {missing} required (or labels_from "
                                  "to import the level's labels from a file)")
    check_input_files(config)
    from .descriptors.snap import check_reference_pair
    try:
        check_reference_pair(config.get("descriptors", {}).get("reference_pair", ()))
    except ValueError as err:
        raise ConfigError(f"descriptors.{err}") from None
    ref = str(config["fit"]["reference_level"])
    if ref not in names:
        raise ConfigError(f"fit.reference_level: {ref!r} is not a level; choose one of {names}")
    s = config["structures"]
    if s["source"] in ("crystals", "generate"):
        missing = [k for k in ("n_configs", "seed") if k not in s]
        if missing:
            raise ConfigError(f"structures: source {s['source']!r} needs {missing}")
    elif s["source"] == "mixed":
        if not s.get("parts"):
            raise ConfigError("structures.parts: source 'mixed' needs a list of parts, e.g. "
                              "[{source: generate, n_configs: 100, seed: 1}, ...]")
    elif "path" not in s:
        raise ConfigError(f"structures.path is required for source {s['source']!r}")
    if s.get("n_atoms_min", 2) > s.get("n_atoms_max", 16):
        raise ConfigError("structures: n_atoms_min must not exceed n_atoms_max")
    rescale = s.get("rescale") or {}
    if rescale and not ("factor" in rescale) ^ ({"from_A", "to_A"} <= set(rescale)):
        raise ConfigError("structures.rescale: give either factor, or both from_A and to_A")
    pareto = config.get("pareto", {})
    if pareto.get("cost", "measured") == "configured":
        missing = [lvl["name"] for lvl in config["dft"]["levels"] if "seconds_per_config" not in lvl]
        if missing:
            raise ConfigError(f"pareto.cost is 'configured' but dft.levels {missing} have no "
                              "seconds_per_config; add it or set pareto.cost: measured")
    # a file source is counted (and the sizes checked against it) when the structures are made
    n_source = (source_configurations(s) if s["source"] in ("crystals", "generate", "mixed")
                else 10**12)
    from .structures.configurations import split_train_count

    n_train = split_train_count(n_source, config["split"].get("test_fraction", 0.5),
                                config["split"].get("method", "numpy"))
    if plan_mode(config) in ("pilot", "production"):
        plan = config["plan"]
        missing = [k for k in ("pilot_size", "test_size") if k not in plan]
        if missing:
            raise ConfigError(f"plan.mode {plan['mode']} labels a pilot of the pool: add "
                              f"plan.{missing[0]}")
        if plan["pilot_size"] > n_train:
            raise ConfigError(f"plan.pilot_size {plan['pilot_size']} exceeds the pool's {n_train} "
                              "training configurations; lower it or enlarge the pool")
        n_train = int(plan["pilot_size"])
        order_twojmax = int(plan.get("order", {}).get("twojmax", min(config["descriptors"]["twojmax"])))
        if order_twojmax not in [int(j) for j in config["descriptors"]["twojmax"]]:
            raise ConfigError(f"plan.order.twojmax {order_twojmax} is not in "
                              f"descriptors.twojmax {config['descriptors']['twojmax']}")
    if plan_mode(config) == "adaptive":
        adaptive = adaptive_settings(config)
        if config["split"].get("over", "all") == "reference_labelled":
            raise ConfigError("plan.mode adaptive draws its validation set before any DFT: "
                              "split.over reference_labelled needs every reference label; "
                              "remove it")
        n_test = n_source - n_train
        if adaptive["validation_size"] >= n_test:
            raise ConfigError(f"plan.adaptive.validation_size {adaptive['validation_size']}: "
                              f"the test half has only {n_test} configurations; lower it")
    too_big = [n for n in config["fit"]["training_sizes"] if n > n_train]
    if too_big and not config["fit"].get("clamp_training_sizes", False):
        raise ConfigError(f"fit.training_sizes {too_big} exceed the {n_train} training "
                          "configurations of the split; lower them or add configurations")
    label_noise_settings(config)   # raises on a 2Jmax without descriptors
    trained_models_settings(config)   # raises on levels, samplers or sizes it cannot train
    properties = properties_settings(config)
    if properties:
        unknown = sorted(set(properties["phases"]) - {"hcp", "bcc", "fcc"})
        if unknown:
            raise ConfigError(f"properties.phases {unknown}: choose among hcp, bcc, fcc")
    mixed = mixed_fidelity_settings(config)
    if mixed:
        unknown = [n for pair in mixed["pairs"] or [] for n in pair if n not in names]
        if unknown:
            raise ConfigError(f"mixed_fidelity.pairs names {unknown}, which are not levels; "
                              f"choose from {names}")
        if mixed["sampler"] not in config["fit"]["samplers"]:
            raise ConfigError(f"mixed_fidelity.sampler {mixed['sampler']!r} is not in "
                              f"fit.samplers {config['fit']['samplers']}")
        if not any(h < lo for h in mixed["high_sizes"] for lo in mixed["low_sizes"]):
            raise ConfigError(f"mixed_fidelity: no high_sizes {mixed['high_sizes']} is below a "
                              f"low_sizes {mixed['low_sizes']}; the high level labels a subset")
    if config["dft"]["code"] == "vasp" and computed_levels(config):
        vasp = config["dft"].get("vasp", {})
        if "command" not in vasp:
            raise ConfigError("dft.vasp.command is required for code 'vasp', e.g. "
                              "'srun --gpus-per-task=1 vasp_std'")
        forbidden = {"ENCUT", "KSPACING", "ISMEAR", "SIGMA", "PREC", "EDIFF", "LREAL"}
        clash = forbidden & {k.upper() for k in vasp.get("incar", {})}
        if clash:
            raise ConfigError(f"dft.vasp.incar sets {sorted(clash)}: precision settings come from "
                              "dft.levels and dft.smearing only")


# The paper's 2D front (Sec. 3.3, its 2D_pareto.csv): 17 energy weights on the whole half.
PAPER_WHOLE_HALF_WEIGHTS = [0.01, 0.1, 1, 5, 10, 12.25, 20, 50, 100, 150, 200, 300, 500, 750,
                            1000, 1500, 2000]


# Tables 4 and 5 (Sec. 3.2): "higher energy weight" wE:wF = 150:1, "higher force weight" 12.25:1.
PAPER_TABLE_WEIGHTS = {"energy_weighted": 150.0, "force_weighted": 12.25}


def table_weights(config: dict) -> dict[str, float]:
    """Energy weights of Tables 4 and 5 (``tables``; default the paper's 150 and 12.25)."""
    tables = config.get("tables", {})
    return {key: float(tables.get(key, value)) for key, value in PAPER_TABLE_WEIGHTS.items()}


def whole_half_weights(config: dict) -> list[float]:
    """Energy weights of the whole-half fits: the 2D front's and the tables', sorted."""
    weights = config["fit"].get("whole_half_energy_weights", PAPER_WHOLE_HALF_WEIGHTS)
    return sorted({float(w) for w in weights} | set(table_weights(config).values()))


def mixed_fidelity_settings(config: dict) -> dict | None:
    """The mixed-fidelity sweep with its defaults filled in from fit, or None when off."""
    from .axes.mixed import MIXED_METHODS

    section = config.get("mixed_fidelity") or {}
    if not section.get("enabled", False):
        return None
    fit = config["fit"]
    pairs = section.get("pairs")
    return {"twojmax": _section_twojmax(config, "mixed_fidelity"),
            "methods": list(section.get("methods", MIXED_METHODS)),
            "pairs": [[str(n) for n in pair] for pair in pairs] if pairs else None,
            "low_sizes": [int(n) for n in section.get("low_sizes", fit["training_sizes"])],
            "high_sizes": [int(n) for n in section.get("high_sizes", fit["training_sizes"])],
            "sampler": section.get("sampler", "leverage"),
            "energy_weights": [float(w) for w in section.get("energy_weights",
                                                             fit["energy_weights"])],
            "repeats": int(section.get("repeats", fit.get("repeats", 5))),
            "seed": int(fit.get("seed", 58)),
            "samplers": list(fit["samplers"]),
            "force_weight": float(fit.get("force_weight", 1.0)),
            "reference_level": str(fit["reference_level"])}


def label_noise_settings(config: dict) -> dict | None:
    """The label-noise study with its defaults filled in, or None when off."""
    section = config.get("label_noise") or {}
    if not section.get("enabled", False):
        return None
    return {"twojmax": _section_twojmax(config, "label_noise"),
            "energy_sigmas_meV_per_atom": [float(s) for s in section.get(
                "energy_sigmas_meV_per_atom", [0, 0.5, 1, 2, 5, 10, 20, 50])],
            "force_sigmas_meV_per_A": [float(s) for s in section.get(
                "force_sigmas_meV_per_A", [0, 10, 20, 50, 100, 200, 500])],
            "energy_weight": float(section.get("energy_weight",
                                               table_weights(config)["energy_weighted"])),
            "repeats": int(section.get("repeats", 20)),
            "seed": int(section.get("seed", 7)),
            "force_weight": float(config["fit"].get("force_weight", 1.0)),
            "reference_level": str(config["fit"]["reference_level"])}


def _section_twojmax(config: dict, key: str) -> list[int]:
    """The 2Jmax a study section runs at: its own list, within descriptors.twojmax."""
    available = [int(j) for j in config["descriptors"]["twojmax"]]
    chosen = [int(j) for j in config[key].get("twojmax", available)]
    if not set(chosen) <= set(available):
        raise ConfigError(f"{key}.twojmax {chosen} is not within descriptors.twojmax "
                          f"{available}; add them there or choose among them")
    return chosen


def properties_settings(config: dict) -> dict | None:
    """The material-properties study with its defaults filled in, or None when off."""
    from .axes.properties import DEFAULTS

    section = config.get("properties") or {}
    if not section.get("enabled", False):
        return None
    return {"twojmax": _section_twojmax(config, "properties"),
            **{key: section.get(key, value) for key, value in DEFAULTS.items()},
            "energy_weight": float(section.get("energy_weight",
                                               table_weights(config)["energy_weighted"])),
            "force_weight": float(config["fit"].get("force_weight", 1.0)),
            "reference_level": str(config["fit"]["reference_level"])}


def _curve_sets(family: str, curves: dict, config: dict, names: list[str]) -> list[tuple]:
    """The (level, sampler, size, repeat) training sets of one block of ``models.<family>.curves``."""
    curve_levels = [str(lv) for lv in curves.get("levels", [config["fit"]["reference_level"]])]
    unknown = sorted(set(curve_levels) - set(names))
    if unknown:
        raise ConfigError(f"models.{family}.curves: levels {unknown} are not dft.levels {names}")
    samplers = list(curves.get("samplers", [config["fit"]["samplers"][0]]))
    outside = sorted(set(samplers) - set(config["fit"]["samplers"]))
    if outside:
        raise ConfigError(f"models.{family}.curves.samplers {outside} are not in fit.samplers "
                          f"{config['fit']['samplers']}: a trained family takes the "
                          "sweep's orderings")
    sizes = sorted({int(n) for n in curves.get("sizes", [])})
    if sizes and sizes[0] < 2:
        raise ConfigError(f"models.{family}.curves.sizes: {sizes[0]} is too small; a trained "
                          "model holds out at least one of its configurations for early "
                          "stopping, so sizes start at 2")
    return [(lv, s, n, r) for lv in curve_levels for s in samplers for n in sizes
            for r in range(int(curves.get("repeats", 2)))]


# fine-tuning a pre-trained model: a fresh optimiser at the stage-two rate of the default
# training (10x below its first rate), and fewer epochs than training from scratch
FINETUNE_DEFAULTS = {"lr": 0.001, "max_num_epochs": 200}


def _multifidelity_sets(family: str, block: dict, config: dict, names: list[str]) -> list[tuple]:
    """The (method, low level, high level, sampler, high size, repeat) sets of one block of
    ``models.<family>.multifidelity``."""
    from .models.trained import MULTIFIDELITY_METHODS

    where = f"models.{family}.multifidelity"
    for key in sorted(set(block) - {"methods", "low_levels", "high_level", "high_sizes",
                                    "samplers", "repeats"}):
        raise ConfigError(f"{where}: unknown key {key!r}; a block takes methods, low_levels, "
                          "high_level, high_sizes, samplers and repeats")
    methods = list(block.get("methods", MULTIFIDELITY_METHODS))
    unknown = sorted(set(methods) - set(MULTIFIDELITY_METHODS))
    if unknown:
        raise ConfigError(f"{where}.methods {unknown}: use {list(MULTIFIDELITY_METHODS)}")
    high = str(block.get("high_level", config["fit"]["reference_level"]))
    lows = [str(lv) for lv in block.get("low_levels", [])]
    unknown = sorted(set(lows + [high]) - set(names))
    if unknown:
        raise ConfigError(f"{where}: levels {unknown} are not dft.levels {names}")
    if high in lows:
        raise ConfigError(f"{where}: low_levels {lows} include the high level {high}; a "
                          "multi-fidelity model takes two different levels")
    sets = _curve_sets(family, {"levels": [high], "sizes": block.get("high_sizes", []),
                                "samplers": block.get("samplers", [config["fit"]["samplers"][0]]),
                                "repeats": block.get("repeats", 2)}, config, names)
    return [(m, lo, hi, sampler, n, r) for m in methods for lo in lows
            for hi, sampler, n, r in sets]


def trained_models_settings(config: dict) -> dict | None:
    """The trained model families of ``models`` with their defaults filled in, or None when no
    family is enabled: per family its hyper-parameters, the training sets it trains (whole
    training half at ``whole_half_levels``; learning ``curves`` of (level, sampler, size,
    repeat)), its ``multifidelity`` sets (method, low level, high level, sampler, high size,
    repeat) and ``finetune`` settings, the 2Jmax whose leverage orders the sampled sets, and
    its MD benchmark."""
    from .models import TRAINED_FAMILIES, trained_family

    section = config.get("models") or {}
    names = level_names(config)
    families = {}
    for family in TRAINED_FAMILIES:
        spec = section.get(family) or {}
        if not spec.get("enabled", False):
            continue
        settings = trained_family(family).settings_with_defaults(spec.get("settings"))
        whole = [str(lv) for lv in spec.get("whole_half_levels", names)]
        unknown = sorted(set(whole) - set(names))
        if unknown:
            raise ConfigError(f"models.{family}: levels {unknown} are not dft.levels {names}")
        curves = spec.get("curves") or []
        sets = [(lv, "whole_half", 0, 0) for lv in whole]
        # one block of curves, or a list of blocks (e.g. more sizes at the reference level)
        for block in [curves] if isinstance(curves, dict) else curves:
            for key in sorted(set(block) - {"levels", "sizes", "samplers", "repeats"}):
                raise ConfigError(f"models.{family}.curves: unknown key {key!r}; a block takes "
                                  "levels, sizes, samplers and repeats")
            sets += _curve_sets(family, block, config, names)
        twojmax = [int(j) for j in config["descriptors"]["twojmax"]]
        leverage_twojmax = int(spec.get("leverage_twojmax", max(twojmax)))
        if leverage_twojmax not in twojmax:
            raise ConfigError(f"models.{family}.leverage_twojmax {leverage_twojmax} is not in "
                              f"descriptors.twojmax {twojmax}")
        blocks = spec.get("multifidelity") or []
        mf_sets = []
        for block in [blocks] if isinstance(blocks, dict) else blocks:
            mf_sets += _multifidelity_sets(family, block, config, names)
        # fine-tuning starts from the low level's whole-half model: it is one of the family's
        sets += [(low, "whole_half", 0, 0) for method, low, *_ in mf_sets if method == "finetune"]
        sets = list(dict.fromkeys(sets))
        finetune = {**FINETUNE_DEFAULTS, **(spec.get("finetune") or {})}
        for key in sorted(set(finetune) - set(FINETUNE_DEFAULTS)):
            raise ConfigError(f"models.{family}.finetune: unknown key {key!r}; it takes "
                              f"{sorted(FINETUNE_DEFAULTS)}")
        md = spec.get("md") or {}
        families[family] = {"settings": settings, "training_sets": sets,
                            "multifidelity_sets": list(dict.fromkeys(mf_sets)),
                            "finetune": finetune, "leverage_twojmax": leverage_twojmax,
                            "md": {"n_atoms": int(md.get("n_atoms", 2000)),
                                   "steps": int(md.get("steps", 5))}}
    if not families:
        return None
    return {"store": section.get("store") or "model-store",
            "work_dir": section.get("work_dir") or "model-work",
            "offline": bool(section.get("offline", False)), "families": families}
