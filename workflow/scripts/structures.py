import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.structures.stage import split_configurations  # noqa: E402

split_configurations(Path(snakemake.input.configurations), snakemake.params.split,
                     Path(snakemake.output[0]),
                     reference_labels=(Path(snakemake.input.reference_labels[0])
                                       if snakemake.input.reference_labels else None))
