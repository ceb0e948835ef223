import functools
import sys
from pathlib import Path

from mlipcost.config import (adaptive_settings, check_config, computed_levels,
                             imported_levels, level_entry, level_names, pilot_configurations,
                             plan_mode, trained_models_settings)
from mlipcost.dft.chunks import n_chunks
from mlipcost.dft.store import DEFAULT_RECORD_STORE


def stop_on_bad_input(check, *args):
    """One line naming the key or file and the fix (exit status 1): an error raised while the
    Snakefile is read would come with Snakemake's traceback, and no job has run yet."""
    try:
        return check(*args)
    except (ValueError, OSError) as err:
        sys.exit(f"error: {err}")


stop_on_bad_input(check_config, config)

# Where this study's results and logs go: results/ and logs/ unless results_dir names another
# folder (one per study when sweeping config files).
RESULTS = config.get("results_dir", "results").rstrip("/")
LOGS = "logs" if RESULTS == "results" else f"{RESULTS}/logs"
# Every DFT result as soon as it is known, keyed on the configuration and the settings: a cache
# shared by the studies of this working directory (or of any that names the same store), read
# before any calculation; outside results/, as no job owns it.
RECORD_STORE = config["dft"].get("record_store") or DEFAULT_RECORD_STORE


def csv_files(stem):
    """A CSV result and, beside it, the record of its hash and rows (storage.write_csv)."""
    return multiext(stem, ".csv", ".csv.provenance.json")


def table_files(stem):
    """A table's CSV with its record, Markdown and LaTeX (tables.write_table); its HTML is
    declared apart, for the report."""
    return multiext(stem, ".csv", ".csv.provenance.json", ".md", ".tex")

LEVELS = level_names(config)
COMPUTED_LEVELS = computed_levels(config)
IMPORTED_LEVELS = imported_levels(config)
TWOJMAX = [int(j) for j in config["descriptors"]["twojmax"]]


# 'pilot': the configured structures are a candidate pool; only a leverage-ordered prefix of it
# (and a test draw) is labelled, and the plan rule predicts what the rest would buy.
PLAN_MODE = plan_mode(config)
# production mode keeps the pilot's rules: its labels, sweep and plan are production's inputs
PILOT = PLAN_MODE in ("pilot", "production")
# 'adaptive': labels are bought in rounds until a model meets plan.targets (plan.smk)
ADAPTIVE = PLAN_MODE == "adaptive"


def n_configurations():
    from mlipcost.config import planned_configurations

    if not COMPUTED_LEVELS:
        return 0  # every level is imported: no DFT chunks to plan
    if PILOT:
        return pilot_configurations(config)
    return planned_configurations(config["structures"])


N_CONFIGS = stop_on_bad_input(n_configurations)
N_CHUNKS = n_chunks(N_CONFIGS, config["dft"].get("chunk_size", 10)) if COMPUTED_LEVELS else 0


def one_of(names):
    """A wildcard regex matching exactly these names (none: matches nothing)."""
    import re

    return "|".join(re.escape(n) for n in names) if names else "(?!)"


wildcard_constraints:
    level="|".join(LEVELS),
    chunk=r"\d+",
    twojmax=r"\d+",
    part=r"\d+",
    parts=r"\d+",
    lo=r"\d+",
    hi=r"\d+",


def canonical(section):
    """A config section with its keys sorted at every depth: Snakemake compares a job's params
    with the last run's as written, so reordering keys in a config file would rerun it."""
    import json

    return json.loads(json.dumps(section, sort_keys=True))


def labelling_settings():
    """The dft section less what does not change a label (an edit of those reruns nothing)."""
    return canonical({k: v for k, v in config["dft"].items()
                      if k not in ("convergence_check", "max_failed_fraction", "record_store")})


def cost_settings():
    """What the per-configuration DFT cost reads: each level's configured seconds, pareto.cost."""
    return {"dft": {"levels": [{k: v for k, v in lvl.items() if k in ("name", "seconds_per_config")}
                               for lvl in config["dft"]["levels"]]},
            "pareto": {"cost": config.get("pareto", {}).get("cost", "measured")}}


# keys of fit that decide a sweep's numbers (threads and repeats_per_job only spread the work)
SWEEP_KEYS = ("reference_level", "energy_weights", "force_weight", "training_sizes", "samplers",
              "repeats", "repeats_at_sizes", "seed", "clamp_training_sizes")


def sweep_settings():
    """What run_fit_sweep reads of the config."""
    fit = config["fit"]
    return canonical({"fit": {k: fit[k] for k in SWEEP_KEYS if k in fit}, **cost_settings()})


def table_settings():
    """What run_tables reads: the ladder as configured, the reference, the cost model."""
    return canonical({"dft": {"levels": config["dft"]["levels"]},
                      "fit": {"reference_level": config["fit"]["reference_level"]},
                      "pareto": cost_settings()["pareto"]})


def md_settings(rcutfac=None):
    """What run_md_cost reads: the MD benchmark, the model it fits, the descriptors."""
    fit = config["fit"]
    return canonical({"element": config["element"], "md": config.get("md", {}),
                      "descriptors": descriptor_params(rcutfac),
                      "fit": {k: fit[k] for k in ("reference_level", "force_weight") if k in fit}})


def reference_check_settings():
    """What the tighter-setting check reads: the labelling settings and its own section."""
    return canonical({**labelling_settings(),
                      "convergence_check": config["dft"].get("convergence_check", {})})


# Scatter: descriptors in parts of about equal rows (descriptors.parts), the sweep in jobs of
# fit.repeats_per_job repeats of one sampler; 1 part and no repeats_per_job: one job per 2Jmax.
DESCRIPTOR_PARTS = int(config["descriptors"].get("parts", 1))
REPEATS_PER_JOB = config["fit"].get("repeats_per_job")
if N_CONFIGS and DESCRIPTOR_PARTS > N_CONFIGS:
    sys.exit(f"error: descriptors.parts {DESCRIPTOR_PARTS} exceeds the {N_CONFIGS} "
             "configurations; lower it")


def descriptor_paths(twojmax):
    """The descriptor file of a 2Jmax, or its parts in order (DescriptorFile reads either)."""
    if DESCRIPTOR_PARTS == 1:
        return [f"{RESULTS}/descriptors/2J{twojmax}.h5"]
    return [f"{RESULTS}/descriptors/2J{twojmax}/part{k}of{DESCRIPTOR_PARTS}.h5"
            for k in range(DESCRIPTOR_PARTS)]


def descriptor_files(wildcards):
    return descriptor_paths(wildcards.twojmax)


def descriptor_params(rcutfac=None):
    """The descriptor settings: how the work is spread (parts, workers) changes no value. The
    study's cutoff is rcutfac's first value (written as a number, so that a list whose first is
    today's number reruns nothing); ``rcutfac`` another of the cutoff axis."""
    params = {k: v for k, v in config["descriptors"].items() if k not in ("parts", "workers")}
    if rcutfac is not None:
        params["rcutfac"] = rcutfac
    elif "rcutfac" in params:
        params["rcutfac"] = cutoff_scales()[0]
    return canonical(params)


def sweep_blocks(wildcards):
    """The sweep's block tables of a 2Jmax in the order the unscattered sweep writes its rows."""
    from mlipcost.models.fit import repeat_blocks

    return [f"{RESULTS}/sweep/2J{wildcards.twojmax}/{sampler}_repeats{lo}-{hi}.csv"
            for sampler in config["fit"]["samplers"]
            for lo, hi in repeat_blocks(config["fit"].get("repeats", 5), REPEATS_PER_JOB)]


@functools.cache
def cost_problem():
    """The study's sizes for the cost model, with the configurations already counted above."""
    from mlipcost.models.cost_model import Problem

    return Problem.of(config, n_configs=N_CONFIGS or None)


@functools.cache
def scattered_job_resources(kind, twojmax, threads, attempt):
    """runtime (min) and mem_mb of one descriptor part, sweep block or sweep halves job, from the cost model
    (rates measured on the development machine, ×3 margin), doubled on each retry."""
    from mlipcost.models.cost_model import (
        MEASURED_HERE,
        descriptor_job,
        job_resources,
        sweep_halves_job,
        sweep_job,
    )

    estimate = {
        "descriptor_part": descriptor_job,
        "fit_sweep_block": sweep_job,
        "sweep_halves": sweep_halves_job,
    }[kind]
    job = estimate(config, int(twojmax), MEASURED_HERE, cost_problem())
    return {key: value * 2 ** (attempt - 1)
            for key, value in job_resources(job, threads).items()}


def label_files():
    return expand(f"{RESULTS}/labels/level{{level}}.h5", level=LEVELS)


def whole_half_settings():
    """What the whole-half fits read of the config: weights, the reference, the cost model."""
    return {
        "fit": {key: config["fit"][key]
                for key in ("reference_level", "force_weight", "whole_half_energy_weights")
                if key in config["fit"]},
        "tables": config.get("tables", {}),
        "dft": {"levels": [{k: v for k, v in lvl.items() if k in ("name", "seconds_per_config")}
                           for lvl in config["dft"]["levels"]]},
        "pareto": {"cost": config.get("pareto", {}).get("cost", "measured")},
    }


def table_weights():
    from mlipcost.config import table_weights as weights

    return weights(config)


PAPER_DIR = config.get("compare_with_paper", {}).get("results_dir")
if PAPER_DIR and not Path(PAPER_DIR).is_dir():
    if config["compare_with_paper"].get("required", False):
        raise FileNotFoundError(
            f"compare_with_paper.results_dir: {PAPER_DIR} is not a folder; point it at the "
            "paper's 2Jmax-6 result files (3D_pareto/, 2D_pareto.csv, "
            "sampling_methods_comparison/) or set required: false")
    PAPER_DIR = None


def order_twojmax():
    """The 2Jmax whose descriptors order a pilot's pool (plan.order.twojmax)."""
    return int(config["plan"].get("order", {}).get("twojmax", min(TWOJMAX)))


def study_section(key):
    """(params, 2Jmax) of an axis section (mixed_fidelity, label_noise, properties): its
    resolved settings less its 2Jmax (which 2Jmax run changes no number of a run), or
    (None, []) when it is off."""
    import mlipcost.config

    settings = getattr(mlipcost.config, f"{key}_settings")(config)
    if not settings:
        return None, []
    twojmax = settings.pop("twojmax")
    return canonical(settings), twojmax


LABEL_NOISE, NOISE_TWOJMAX = study_section("label_noise")
PROPERTIES, PROPERTIES_TWOJMAX = study_section("properties")
MIXED, MIXED_TWOJMAX = study_section("mixed_fidelity")


def property_cell_settings():
    """What the DFT of the property cells reads: the cells, not the models' fitting."""
    from mlipcost.axes.properties import DEFAULTS

    return {k: PROPERTIES[k] for k in DEFAULTS} if PROPERTIES else None


PROPERTY_CELLS = property_cell_settings()
# what run_mixed_fidelity reads: the section and the cost model
MIXED_FIDELITY = canonical({"mixed_fidelity": MIXED, **cost_settings()}) if MIXED else None


def cutoff_scales():
    """descriptors.rcutfac as a list: the study's cutoff, then the cutoff axis's others."""
    from mlipcost.descriptors.snap import cutoff_scales as scales

    return scales(config["descriptors"])


# the cutoff axis's other rcutfac values as the strings of its paths (rc<value>)
CUTOFF_AXIS = [f"{r:g}" for r in cutoff_scales()[1:]]


# Trained model families beside qSNAP (models: ...), or None
MODELS = trained_models_settings(config)


def model_sets(family):
    """{name of the job's files: (level, sampler, size, repeat)} of a family's training sets."""
    from mlipcost.models.trained import TrainingSet

    return {TrainingSet(*spec).stem: spec for spec in MODELS["families"][family]["training_sets"]}


def model_set_files(wildcards):
    return [f"{RESULTS}/models/{wildcards.family}/{stem}.csv" for stem in model_sets(wildcards.family)]


def reference_model_file(wildcards):
    from mlipcost.models.trained import TrainingSet

    stem = TrainingSet(str(config["fit"]["reference_level"]), "whole_half", 0, 0).stem
    return f"{RESULTS}/models/{wildcards.family}/{stem}.csv"


def model_leverage(wildcards):
    """The leverage file that orders a sampled training set (none for the whole half)."""
    spec = model_sets(wildcards.family)[wildcards.model_set]
    if spec[1] == "whole_half":
        return []
    return [f"{RESULTS}/leverage/2J{MODELS['families'][wildcards.family]['leverage_twojmax']}.csv"]


def model_training_settings(wildcards):
    """What one training job reads: the family's settings, its training set, how the sweep
    orders sets, the cost model (the threads come as the job's threads: they change no number)."""
    fit = config["fit"]
    return canonical({
        "family": wildcards.family,
        "settings": {k: v for k, v in MODELS["families"][wildcards.family]["settings"].items()
                     if k != "threads"},
        "training_set": list(model_sets(wildcards.family)[wildcards.model_set]),
        "fit": {k: fit[k] for k in ("reference_level", "samplers", "seed") if k in fit},
        **cost_settings(),
    })


def multifidelity_sets(family):
    """{name of the job's files: (method, low level, high level, sampler, high size, repeat)}
    of a family's multi-fidelity models."""
    from mlipcost.models.trained import MultiFidelitySet

    return {MultiFidelitySet(*spec).stem: spec
            for spec in MODELS["families"][family]["multifidelity_sets"]}


# the trained families with multi-fidelity models
MULTIFIDELITY_FAMILIES = (
    [f for f, spec in MODELS["families"].items() if spec["multifidelity_sets"]] if MODELS else []
)


def multifidelity_files():
    return [f"{RESULTS}/models/{family}/multifidelity/{stem}.csv"
            for family in MULTIFIDELITY_FAMILIES for stem in multifidelity_sets(family)]


def multifidelity_inputs(wildcards):
    """The leverage file that orders the high level's subset, and for fine-tuning the row of the
    pre-trained model (so that it trains once, before every model that starts from it)."""
    from mlipcost.models.trained import TrainingSet

    method, low = multifidelity_sets(wildcards.family)[wildcards.mf_set][:2]
    spec = MODELS["families"][wildcards.family]
    out = {"leverage": [f"{RESULTS}/leverage/2J{spec['leverage_twojmax']}.csv"]}
    out["pretrained"] = ([f"{RESULTS}/models/{wildcards.family}/"
                          f"{TrainingSet(low, 'whole_half', 0, 0).stem}.csv"]
                         if method == "finetune" else [])
    return out


def multifidelity_training_settings(wildcards):
    """What one multi-fidelity job reads: as a training job, and a fine-tuning job the
    fine-tuning settings."""
    spec = MODELS["families"][wildcards.family]
    mf_set = multifidelity_sets(wildcards.family)[wildcards.mf_set]
    fit = config["fit"]
    return canonical({
        "family": wildcards.family,
        "settings": {k: v for k, v in spec["settings"].items() if k != "threads"},
        "finetune": spec["finetune"] if mf_set[0] == "finetune" else None,
        "multifidelity_set": list(mf_set),
        "fit": {k: fit[k] for k in ("reference_level", "samplers", "seed") if k in fit},
        **cost_settings(),
    })


def model_md_settings(family):
    """What a family's MD benchmark reads: the element, the family's settings (less threads: MD
    runs on one) and its md section."""
    spec = MODELS["families"][family]
    return canonical({"element": config["element"], "md": spec["md"],
                      "settings": {k: v for k, v in spec["settings"].items() if k != "threads"}})


# plan.mode adaptive (plan.smk): the rounds are checkpoints; these walk them
def adaptive_round_file(number):
    return f"{RESULTS}/plan/adaptive/round{number}.json"


def adaptive_labels_before(wildcards):
    """The label files of every round before this one (what each asked for)."""
    return adaptive_labels_of_rounds(int(wildcards.round))


def adaptive_labels_of_rounds(number):
    """The label files rounds 0 .. ``number`` - 1 asked for."""
    import json

    files = []
    for k in range(number):
        with open(checkpoints.adaptive_round.get(round=k).output[0]) as f:
            record = json.load(f)
        files += [f"{RESULTS}/plan/adaptive/labels/round{k}/level{lv}.h5"
                  for lv in sorted(record["purchases"])]
    return files


def adaptive_final_round(wildcards):
    """The first round that decided: later rounds exist only while one asks for labels."""
    import json

    k = 0
    while True:
        path = checkpoints.adaptive_round.get(round=k).output[0]
        with open(path) as f:
            if json.load(f)["status"] != "labels needed":
                return path
        k += 1


def adaptive_all_labels(wildcards):
    """Every label file the rounds bought (the deciding round buys none)."""
    final = adaptive_final_round(wildcards)
    return adaptive_labels_of_rounds(int(Path(final).stem[len("round"):]))


def adaptive_targets(wildcards):
    """The adaptive plan's decision, and the chosen model's LAMMPS files when it chose one."""
    import json

    with open(adaptive_final_round(wildcards)) as f:
        reached = json.load(f)["status"] == "reached"
    stem = f"{RESULTS}/plan/adaptive/{config['element']}"
    return [f"{RESULTS}/plan/adaptive/outcome.json"] + (
        [f"{stem}.snapcoeff", f"{stem}.snapparam"] if reached else [])
