# mlipcost: how much DFT, at which convergence, for which qSNAP model, buys which accuracy.
# Run: snakemake --profile profiles/default [--configfile config/<study>.yaml]
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")

# The science is the mlipcost package (src/), found one way only: installed in the Python that
# runs Snakemake (make setup: pip install -e .), and in each conda env (envs/*.yaml).
try:
    import mlipcost  # noqa: F401
except ImportError:
    sys.exit(
        "error: the mlipcost package is not installed in this Python "
        f"({sys.executable}); run 'make setup' and use .venv/bin/snakemake, or "
        "'pip install -e .' here"
    )


# The embedded default, only when no --configfile was given: merging a study's config over the
# demo's would leak demo keys (n_configs, rattle_A, ...) into it.
if not config:

    configfile: "config/config.yaml"



from mlipcost.config import schema_error

# One line naming the key and the file (exit status 1): an error raised here would come with
# Snakemake's traceback of the Snakefile.
SCHEMA_ERROR = schema_error(
    config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml", workflow.configfiles)
if SCHEMA_ERROR:
    sys.exit(f"error: {SCHEMA_ERROR}")
# an overlay config turns the check off with null (a pilot labels only part of the set)
if config.get("dft", {}).get("convergence_check", {}) is None:
    del config["dft"]["convergence_check"]
validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/structures.smk"
include: "workflow/rules/dft.smk"
include: "workflow/rules/descriptors.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/report.smk"


if PILOT or ADAPTIVE:

    include: "workflow/rules/plan.smk"


if ADAPTIVE:

    localrules:
        adaptive_round,
        adaptive_plan,
        adaptive_potential,


if CUTOFF_AXIS:

    include: "workflow/rules/cutoff.smk"


if PROPERTIES:

    include: "workflow/rules/properties.smk"


if MODELS:

    include: "workflow/rules/models.smk"

    localrules:
        gather_models,
        models_report,

    if MULTIFIDELITY_FAMILIES:

        localrules:
            multifidelity_report,



# Short analysis steps run on the submitting node, not through the queue.
localrules:
    all,
    collect_level,
    import_level,
    pareto,
    tables,
    model_tables,
    claims,
    paper_comparison,


# each axis's report is local too, where the axis is on (a localrule that is not a rule warns)
if MIXED_FIDELITY:

    localrules:
        mixed_fidelity_report,


if LABEL_NOISE:

    localrules:
        label_noise_report,


if CUTOFF_AXIS:

    localrules:
        cutoff_report,


if PROPERTIES:

    localrules:
        properties_report,


if REPEATS_PER_JOB:

    # with the sweep in blocks, fit_sweep only concatenates their tables
    localrules:
        fit_sweep,


# what the study makes (every label at every level)
STUDY_TARGETS = [
    expand(f"{RESULTS}/labels/level{{level}}.h5", level=LEVELS),
    expand(f"{RESULTS}/sweep/2J{{twojmax}}.csv", twojmax=TWOJMAX),
    f"{RESULTS}/pareto/front.csv",
    f"{RESULTS}/tables/table1_ladder.csv",
    f"{RESULTS}/tables/table2_models.csv",
    f"{RESULTS}/claims/claims.csv",
    [f"{RESULTS}/paper/paper_pareto_2J6.png"] if PAPER_DIR else [],
    [f"{RESULTS}/mixed_fidelity/mixed_fidelity.png"] if MIXED_FIDELITY else [],
    [f"{RESULTS}/label_noise/label_noise.png"] if LABEL_NOISE else [],
    [f"{RESULTS}/cutoff/cutoff.png"] if CUTOFF_AXIS else [],
    [f"{RESULTS}/properties/properties.png"] if PROPERTIES else [],
    [f"{RESULTS}/models/models_front.png"] if MODELS else [],
    [f"{RESULTS}/models/multifidelity.png"] if MULTIFIDELITY_FAMILIES else [],
    [f"{RESULTS}/plan/plan.csv"] if PILOT else [],
    (
        [f"{RESULTS}/production/production.json"]
        if PLAN_MODE == "production"
        else []
    ),
    (
        [f"{RESULTS}/tables/reference_convergence.csv"]
        if "convergence_check" in config["dft"]
        else []
    ),
]


# plan.mode adaptive labels only what its rounds buy: the study's tables, which need every
# label, are not its targets
rule all:
    input:
        adaptive_targets if ADAPTIVE else STUDY_TARGETS,
    default_target: True


# Snakemake prints "check log file(s)"; say what each failed job itself said.
onerror:
    from mlipcost.io.joblog import failed_jobs

    run_logs = [log] if isinstance(log, (str, Path)) else list(log)
    for run_log in run_logs:
        for line in failed_jobs(run_log):
            print(f"failed: {line}", file=sys.stderr)
