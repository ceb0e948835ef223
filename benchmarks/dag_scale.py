"""Planning cost of the paper's study: `snakemake -n` at 2,000 / 20,000 / 100,000 configurations.

Prints wall time and peak memory of each dry run and their ratios to the smallest, so the growth
is visible. Goal (paper scale, 20,000 configurations x 6 levels): <= 30 s and <= 2 GB.
Run: .venv/bin/python benchmarks/dag_scale.py
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def plan(n_configs: int) -> tuple[float, float, int]:
    config = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    config["structures"]["n_configs"] = n_configs
    n_train = n_configs // 2
    config["fit"]["training_sizes"] = [s for s in config["fit"]["training_sizes"] if s <= n_train]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config").mkdir()
        (Path(tmp) / "config/config.yaml").write_text(yaml.safe_dump(config))
        cmd = [str(Path(sys.executable).with_name("snakemake")), "-s", str(REPO / "Snakefile"),
               "-n", "--quiet", "rules", "reason", "--cores", "1"]
        wrapper = [sys.executable, "-c",
                   "import resource,subprocess,sys;r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
                   "print(r.stdout+r.stderr);sys.exit(r.returncode)", *cmd]
        start = time.perf_counter()
        proc = subprocess.run(wrapper, cwd=tmp, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        peak_mb = int(lines[0]) / 1024
        total = next(int(l.split()[-1]) for l in lines if l.strip().startswith("total"))
    return wall, peak_mb, total


def main() -> None:
    rows = [(n, *plan(n)) for n in (2_000, 20_000, 100_000)]
    base_wall, base_mem = rows[0][1], rows[0][2]
    print(f"{'configs':>8} {'jobs':>7} {'wall_s':>7} {'peak_MB':>8} {'wall_ratio':>10} {'mem_ratio':>9}")
    for n, wall, mem, jobs in rows:
        print(f"{n:>8} {jobs:>7} {wall:>7.1f} {mem:>8.0f} {wall / base_wall:>10.2f} {mem / base_mem:>9.2f}")


if __name__ == "__main__":
    main()
