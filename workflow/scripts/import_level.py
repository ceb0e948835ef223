import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.dft.stage import run_import_level  # noqa: E402

run_import_level(Path(snakemake.input.structures), snakemake.params.level,
                 Path(snakemake.output.h5), Path(snakemake.output.xyz),
                 snakemake.params.max_failed_fraction)
