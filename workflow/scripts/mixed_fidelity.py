import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_mixed_fidelity  # noqa: E402

run_mixed_fidelity(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.descriptors],
                   [Path(p) for p in snakemake.input.labels], Path(snakemake.input.leverage),
                   snakemake.params.settings, Path(snakemake.output[0]))
