"""After a finished .test run, an edit of one config key plans exactly the jobs that read it:
rules take only the values they use, so e.g. md.steps
reruns the MD benchmark and what reports it, never the sweep, and no analysis edit plans a DFT
or descriptor job. Used by `make test` after the .test run."""

import copy
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
ANALYSIS = {"leverage", "md_cost", "tables", "whole_half", "fit_sweep", "model_tables", "pareto",
            "claims", "all"}
# the further axes on the fitted models: what reads the split, the labels, the sweep
AXES = {"mixed_fidelity", "mixed_fidelity_report", "label_noise", "label_noise_report",
        "cutoff_leverage", "cutoff_sweep", "cutoff_md_cost", "cutoff_report", "model_properties",
        "properties_report"}
# the trained model family (models: mace) and its report
MODELS = {"train_model", "gather_models", "model_md_cost", "models_report", "train_multifidelity",
          "multifidelity_report"}
BASE = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
# (section, key, new value): the jobs a dry run must plan, exactly
EDITS = [
    ("split", "seed", 59, ANALYSIS | AXES | MODELS | {"structures"}),
    ("dft", "max_failed_fraction", 0.25, ANALYSIS | AXES | MODELS | {"collect_level"}),
    ("descriptors", "workers", 1, set()),
    ("fit", "threads", 2, set()),
    ("fit", "energy_weights", [1, 100],
     {"fit_sweep", "pareto", "claims", "all", "mixed_fidelity", "mixed_fidelity_report",
      "cutoff_sweep", "cutoff_report", "models_report", "multifidelity_report"}),
    ("md", "steps", 30, {"md_cost", "model_tables", "pareto", "claims", "all", "cutoff_md_cost",
                         "cutoff_report", "properties_report", "models_report"}),
    ("pareto", "cost", "measured_cpu",
     {"fit_sweep", "tables", "whole_half", "model_tables", "pareto", "claims", "all",
      "mixed_fidelity", "mixed_fidelity_report", "cutoff_sweep", "cutoff_report",
      "properties_report"} | MODELS),
    ("tables", "energy_weighted", 100,
     {"whole_half", "model_tables", "pareto", "claims", "all", "label_noise",
      "label_noise_report", "model_properties", "properties_report", "models_report"}),
    ("label_noise", "repeats", 3, {"label_noise", "label_noise_report", "all"}),
    ("properties", "elastic_strain", 0.02,
     {"dft_properties", "model_properties", "properties_report", "all"}),
    ("models", "mace", {**BASE["models"]["mace"], "md": {"n_atoms": 64, "steps": 3}},
     {"model_md_cost", "models_report", "all"}),
    ("models", "mace", {**BASE["models"]["mace"],
                        "settings": {**BASE["models"]["mace"]["settings"], "threads": 2}}, set()),
    ("models", "mace", {**BASE["models"]["mace"],
                        "settings": {**BASE["models"]["mace"]["settings"], "max_num_epochs": 4}},
     MODELS | {"all"}),
    # fine-tuning's settings: the fine-tuned models only, not the multi-head one
    ("models", "mace", {**BASE["models"]["mace"], "finetune": {"max_num_epochs": 4}},
     {"train_multifidelity", "multifidelity_report", "all"}),
]


def planned_jobs(config_file: Path) -> dict[str, int]:
    proc = subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory",
                           str(REPO / ".test"), "--configfile", str(config_file), "-n"],
                          capture_output=True, text=True, timeout=300, check=True)
    if "Nothing to be done" in proc.stdout + proc.stderr:
        return {}
    table = proc.stdout.split("Job stats:")[1].split("\n\n")[0].splitlines()[3:]
    return {name: int(count) for name, count in (line.split() for line in table)
            if name != "total"}


def main() -> None:
    config_file = REPO / ".test/config/config.yaml"
    assert planned_jobs(config_file) == {}, "the .test run is not complete: run it first"
    base = yaml.safe_load(config_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for section, key, value, expected in EDITS:
            config = copy.deepcopy(base)
            config.setdefault(section, {})[key] = value
            edited = Path(tmp) / "edit.yaml"
            edited.write_text(yaml.safe_dump(config))   # keys sorted: their order must not matter
            jobs = planned_jobs(edited)
            assert set(jobs) == expected, (f"{section}.{key}: planned {sorted(jobs)}, expected "
                                           f"{sorted(expected)}")
            print(f"{section}.{key} -> {value}: {sum(jobs.values())} jobs "
                  f"({', '.join(sorted(jobs)) or 'none'})")
    print(f"config edits OK: {len(EDITS)} edits, each planning exactly the jobs that read the key")


if __name__ == "__main__":
    main()
