"""Bad configurations stop before any job runs, naming the key and the allowed values."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlipcost.config import ConfigError, check_config

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def load(name="config/config.yaml"):
    return yaml.safe_load((REPO / name).read_text())


def dry_run(tmp_path, config):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump(config))
    return subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "-n", "--cores", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_default_config_plans(tmp_path):
    proc = dry_run(tmp_path, load())
    assert proc.returncode == 0, proc.stderr
    assert "label_chunk" in proc.stdout
    assert not (tmp_path / "results").exists()


def test_schema_violation_names_key_and_allowed_values(tmp_path):
    config = load()
    config["dft"]["code"] = "qe"
    proc = dry_run(tmp_path, config)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "'qe' is not one of ['gpaw', 'vasp']" in out and "code" in out
    assert not (tmp_path / "results").exists()


def test_unknown_key_is_rejected(tmp_path):
    config = load()
    config["fit"]["energy_weight"] = [1]
    proc = dry_run(tmp_path, config)
    assert proc.returncode != 0
    assert "energy_weight" in proc.stdout + proc.stderr


def test_cross_key_checks():
    config = load()
    config["fit"]["reference_level"] = "7"
    with pytest.raises(ConfigError, match="fit.reference_level: '7' is not a level"):
        check_config(config)
    config = load()
    config["fit"]["training_sizes"] = [1000]
    with pytest.raises(ConfigError, match="training_sizes"):
        check_config(config)
    # the paper's split truncates: 8 configurations at test_fraction 0.55 train 3, not round(3.6)
    config = load(".test/config/config.yaml")
    config["split"] = {"test_fraction": 0.55, "seed": 58, "method": "python_random"}
    with pytest.raises(ConfigError, match=r"training_sizes \[4\] exceed the 3 training"):
        check_config(config)
    config = load("config/paper.yaml")
    config["dft"]["vasp"]["incar"] = {"ENCUT": 600}
    with pytest.raises(ConfigError, match="ENCUT"):
        check_config(config)


def test_paper_config_carries_the_papers_ladder(shared):
    paper = yaml.safe_load((shared / "reference/paper_tables.yaml").read_text())
    levels = load("config/paper.yaml")["dft"]["levels"]
    for ours, theirs in zip(levels, paper["table1_convergence_levels"], strict=True):
        assert ours["cutoff_eV"] == theirs["encut_eV"]
        assert ours["kspacing_per_A"] == theirs["kspacing_per_A"]
        assert ours["seconds_per_config"] == theirs["seconds_per_config"]


def test_paper_from_data_plans_imports_and_no_dft(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ["Be_structures.h5"] + [f"Be_prec_{i}.h5" for i in range(1, 7)]:
        (tmp_path / "data" / name).write_bytes(b"")  # a dry run only needs them to exist
    proc = subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "-n", "--cores", "1",
                           "--configfile", str(REPO / "config/paper_from_data.yaml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "import_level" in proc.stdout and "label_chunk" not in proc.stdout
    # the study's own config alone, not merged over the demo's
    assert "config/config.yaml" not in proc.stderr.split("Config file(s):")[-1].splitlines()[0]


def test_paper_config_plans_the_papers_settings(tmp_path):
    """Tables 4/5 at 150 and 12.25 on the whole training half; the front on leverage sampling
    with the configured cost (Sec. 3.5); 17 weights for the 2D front."""
    from mlipcost.config import PAPER_WHOLE_HALF_WEIGHTS, table_weights, whole_half_weights

    config = load("config/paper.yaml")
    assert table_weights(config) == {"energy_weighted": 150.0, "force_weighted": 12.25}
    assert whole_half_weights(config) == sorted(PAPER_WHOLE_HALF_WEIGHTS)
    assert config["pareto"] == {"cost": "configured", "samplers": ["leverage"],
                                "sampler_comparison_energy_weight": 150}
    proc = subprocess.run([str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "-n", "--cores", "1",
                           "--configfile", str(REPO / "config/paper.yaml")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    whole = [line for line in proc.stdout.splitlines() if line.startswith("whole_half ")]
    assert whole and whole[0].split()[1] == "4"   # one whole-half job per 2Jmax
    assert "claims" in proc.stdout and "model_tables" in proc.stdout


def test_results_dir_moves_every_output(tmp_path):
    config = load()
    config["results_dir"] = "results/other"
    proc = dry_run(tmp_path, config)
    assert proc.returncode == 0, proc.stderr
    assert "results/other/labels/level1.h5" in proc.stdout
    assert " results/labels/" not in proc.stdout


def test_pilot_mode_orders_the_pool_before_dft_and_labels_only_the_pilot(tmp_path):
    """plan.mode pilot: pool structures, pool descriptors and the leverage order come first;
    DFT chunks cover the pilot's 6 + 4 + bulk reference configurations, not the pool's 25."""
    config = load(".test/config/pilot.yaml")
    proc = dry_run(tmp_path, config)
    assert proc.returncode == 0, proc.stderr
    jobs = dict(line.split()[:2] for line in proc.stdout.split("Job stats:")[1].splitlines()[3:]
                if len(line.split()) == 2)
    assert jobs["pool_structures"] == "1" and jobs["pool_descriptors"] == "1"
    assert jobs["pool_order"] == "1" and jobs["plan"] == "1"
    assert jobs["label_chunk"] == str(3 * 3)     # 11 configurations in chunks of 4, 3 levels
    bad = load(".test/config/pilot.yaml")
    bad["plan"]["pilot_size"] = 20
    with pytest.raises(ConfigError, match="plan.pilot_size 20 exceeds the pool's 12"):
        check_config(bad)
    bad["plan"] = {**config["plan"], "order": {"twojmax": 4}}
    with pytest.raises(ConfigError, match="plan.order.twojmax 4 is not in"):
        check_config(bad)


def test_adaptive_mode_plans_round_zero_and_no_dft_chunk(tmp_path):
    """plan.mode adaptive: before any round has run, the DAG is the structures, descriptors and
    round 0 (a checkpoint: what follows is known only once it has run); the study's labelling
    chunks are not asked for."""
    proc = dry_run(tmp_path, load(".test/config/adaptive.yaml"))
    assert proc.returncode == 0, proc.stderr
    jobs = dict(line.split()[:2] for line in proc.stdout.split("Job stats:")[1].splitlines()[3:]
                if len(line.split()) == 2)
    assert jobs["adaptive_round"] == "1" and jobs["descriptors"] == "1"
    assert "label_chunk" not in jobs and "fit_sweep" not in jobs
    bad = load(".test/config/adaptive.yaml")
    del bad["plan"]["targets"]["force_meV_per_A"]
    with pytest.raises(ConfigError, match="add plan.targets.force_meV_per_A"):
        check_config(bad)
    bad = load(".test/config/adaptive.yaml")
    bad["plan"]["adaptive"]["validation_size"] = 12
    with pytest.raises(ConfigError, match="validation_size 12: the test half has only 12"):
        check_config(bad)
    bad = load(".test/config/pilot.yaml")
    del bad["plan"]["pilot_size"]
    with pytest.raises(ConfigError, match="plan.mode pilot labels a pilot of the pool: add "
                                          "plan.pilot_size"):
        check_config(bad)


def test_every_schema_key_says_what_it_is():
    """The catalog renders the schema: every key carries a description."""
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    missing = []

    def walk(node, path):
        for key, value in (node.get("properties") or {}).items():
            if "description" not in value:
                missing.append(path + key)
            walk(value, f"{path}{key}.")
            items = value.get("items")
            if isinstance(items, dict):
                walk(items, f"{path}{key}[].")

    walk(schema, "")
    assert not missing, missing
