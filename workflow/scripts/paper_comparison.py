import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_paper_comparison  # noqa: E402

run_paper_comparison(Path(snakemake.input[0]), Path(snakemake.output.front).parent)
