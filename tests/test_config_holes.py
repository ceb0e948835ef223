"""Config values the schema used to let through: NaN or infinite numbers (they pass every bound)
and repeated entries of a swept list; each is one line naming the key."""

from pathlib import Path

import pytest
import yaml

from mlipcost.config import schema_error

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def _config(**fit):
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    config["fit"].update(fit)
    return config


def test_the_test_config_is_clean():
    assert schema_error(_config(), SCHEMA) is None


@pytest.mark.parametrize("fit,key", [
    ({"energy_weights": [1, float("nan")]}, "fit.energy_weights[1]: nan is not a finite number"),
    ({"force_weight": float("inf")}, "fit.force_weight: inf is not a finite number"),
    ({"energy_weights": [1, 150, 1]}, "fit.energy_weights: [1, 150, 1] has non-unique elements"),
    ({"training_sizes": [2, 2]}, "fit.training_sizes: [2, 2] has non-unique elements"),
    ({"samplers": ["random", "random"]}, "fit.samplers: ['random', 'random'] has non-unique"),
])
def test_a_non_finite_or_repeated_value_is_named(fit, key):
    message = schema_error(_config(**fit), SCHEMA, ["my.yaml"])
    assert message is not None and message.startswith("my.yaml: ")
    assert key in message


def test_a_reference_pair_that_is_not_a_pair_style_stops_the_run_at_start():
    from mlipcost.config import ConfigError, check_config

    config = _config()
    config["descriptors"]["reference_pair"] = ["pair_style zbl 4.0 4.8", "shell touch x"]
    with pytest.raises(ConfigError, match=r"descriptors\.reference_pair line 'shell touch x'"):
        check_config(config)
