"""Every file under a study's results folder is a declared output of one of its rules:
`snakemake --list-untracked` names none there. Used by `make test` after the .test runs.

    python tests/check_untracked.py .test/config/config.yaml [.test/config/production.yaml ...]

The other studies run in the same working directory (their own results_dir below results/) are
outside the checked study's DAG, so their folders are left out of its check.
"""

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def untracked(config_file: Path, workdir: Path) -> list[str]:
    out = subprocess.run([SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
                          "--configfile", str(config_file), "--list-untracked"],
                         capture_output=True, text=True, check=True)
    return [line.strip() for line in out.stdout.splitlines() + out.stderr.splitlines()
            if line.strip()]


def main(config_files: list[str]) -> None:
    studies = {Path(f).resolve(): yaml.safe_load(Path(f).read_text()).get("results_dir", "results")
               for f in config_files}
    for config_file, results in studies.items():
        workdir = config_file.parent.parent   # .test/config/x.yaml runs in .test
        others = [r for r in studies.values() if r != results and r.startswith(f"{results}/")]
        mine = [p for p in untracked(config_file, workdir)
                if p.startswith(f"{results}/") and not any(p.startswith(f"{o}/") for o in others)]
        assert not mine, (f"{config_file.name}: {len(mine)} files under {results}/ that no rule "
                          "declares:\n  " + "\n  ".join(mine[:40]))
        print(f"{config_file.name}: no untracked file under {results}/")


if __name__ == "__main__":
    main(sys.argv[1:])
