"""The DFT cost of each configuration that the fronts and tables use: measured wall
or CPU times where the labels have them, the configured seconds per configuration otherwise."""

import numpy as np
import pytest

from mlipcost.dft.costs import configuration_costs, cost_sources
from mlipcost.dft.labels import Labels


def labels(level, wall, cpu=None, ok=None):
    n = len(wall)
    ok = np.ones(n, bool) if ok is None else np.asarray(ok)
    return Labels(np.zeros(n), np.zeros((n, 3)), np.zeros((n, 6)), np.asarray(wall, float), ok,
                  [""] * n, np.arange(n + 1), level, {},
                  None if cpu is None else np.asarray(cpu, float))


CONFIG = {"dft": {"levels": [{"name": "1", "seconds_per_config": 2.0},
                             {"name": "2", "seconds_per_config": 30.0},
                             {"name": "3"}]}}
LABELS = [labels("1", [1.5, 2.5, 3.5, 4.5], cpu=[3.0, np.nan, 7.0, 9.0]),
          labels("2", [np.nan] * 4),                       # imported: no times
          labels("3", [10.0, 20.0, 30.0, 40.0], ok=[True, True, False, True])]


def test_measured_wall_times_and_configured_fallback():
    assert cost_sources(LABELS, CONFIG) == ["measured", "configured", "measured"]
    costs = configuration_costs(LABELS, CONFIG, np.array([3, 0, 1]))
    np.testing.assert_array_equal(costs, [[4.5, 30.0, 40.0], [1.5, 30.0, 10.0],
                                          [2.5, 30.0, 20.0]])


def test_cpu_times_where_measured_else_wall():
    config = {**CONFIG, "pareto": {"cost": "measured_cpu"}}
    costs = configuration_costs(LABELS, config, np.arange(4))
    np.testing.assert_array_equal(costs[:, 0], [3.0, 2.5, 7.0, 9.0])
    np.testing.assert_array_equal(costs[:, 2], [10.0, 20.0, 30.0, 40.0])


def test_configured_costs_ignore_the_measurements():
    config = {"dft": {"levels": [{"name": "1", "seconds_per_config": 2.0},
                                 {"name": "2", "seconds_per_config": 30.0}]},
              "pareto": {"cost": "configured"}}
    costs = configuration_costs(LABELS[:2], config, np.arange(4))
    np.testing.assert_array_equal(costs, np.tile([2.0, 30.0], (4, 1)))


def test_a_level_with_no_cost_at_all_is_named():
    config = {"dft": {"levels": [{"name": "1"}, {"name": "2"}]}}
    with pytest.raises(ValueError, match=r"dft.levels\[2\]: no measured wall times and no "
                                         "seconds_per_config"):
        cost_sources(LABELS[:2], config)
