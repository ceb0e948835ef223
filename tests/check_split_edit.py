"""After a finished run, an analysis-only edit (split.seed) must plan no DFT job: the DFT chunks
and the descriptors read configurations.h5, which holds no split (#18 item 5). Used by
`make test` after the .test run."""

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


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
    config = yaml.safe_load(config_file.read_text())
    config["split"]["seed"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        edited = Path(tmp) / "split_edit.yaml"
        edited.write_text(yaml.safe_dump(config))
        jobs = planned_jobs(edited)
    dft = {rule: n for rule, n in jobs.items()
           if rule in ("configurations", "label_chunk", "collect_level", "descriptors")}
    assert "structures" in jobs and "fit_sweep" in jobs, jobs
    assert not dft, f"a split edit plans DFT or descriptor jobs: {dft}"
    print(f"split edit OK: {sum(jobs.values())} analysis jobs planned, none of them DFT "
          f"({', '.join(sorted(jobs))})")


if __name__ == "__main__":
    main()
