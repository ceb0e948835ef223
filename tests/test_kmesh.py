import numpy as np
import pytest

from mlipcost.dft.ladder import Level, kmesh


def test_gamma_only_level():
    assert kmesh(np.eye(3) * 5.0, None) == (1, 1, 1)


def test_vasp_kspacing_rule_on_cubic_cell():
    # |b| = 2π/5 = 1.2566 Å⁻¹: spacing 0.5 -> 2.51 -> ceil 3, round 3; spacing 0.3 -> 4.19 -> 5 / 4
    cell = np.eye(3) * 5.0
    assert kmesh(cell, 0.5, "ceil") == (3, 3, 3)
    assert kmesh(cell, 0.3, "ceil") == (5, 5, 5)
    assert kmesh(cell, 0.3, "round") == (4, 4, 4)


def test_exact_multiple_does_not_round_up():
    cell = np.eye(3) * 2 * np.pi  # |b| = 1
    assert kmesh(cell, 0.25, "ceil") == (4, 4, 4)


def test_non_periodic_direction_and_hexagonal_cell():
    a, c = 2.29, 3.58
    cell = np.array([[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]])
    b = 2 * np.pi / (a * np.sqrt(3) / 2)
    mesh = kmesh(cell, 0.5, "ceil", pbc=(True, True, False))
    assert mesh == (int(np.ceil(b / 0.5)), int(np.ceil(b / 0.5)), 1)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="kspacing_per_A"):
        kmesh(np.eye(3), -1.0)
    with pytest.raises(ValueError, match="kmesh_rounding"):
        kmesh(np.eye(3), 0.5, "floor")


def test_level_from_config_takes_smearing_defaults():
    level = Level.from_config({"name": 3, "cutoff_eV": 400, "kspacing_per_A": 0.75},
                              {"order": 1, "width_eV": 0.2})
    assert level == Level("3", 400.0, 0.75, 0.2, 1)
