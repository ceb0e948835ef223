import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_descriptors  # noqa: E402

run_descriptors(Path(snakemake.input[0]), snakemake.params.element, snakemake.params.descriptors,
                int(snakemake.wildcards.twojmax), Path(snakemake.output[0]))
