import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import split_configurations  # noqa: E402

split_configurations(Path(snakemake.input[0]), snakemake.params.split, Path(snakemake.output[0]))
