import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.pilot import run_plan  # noqa: E402

run_plan([Path(p) for p in snakemake.input.sweeps], Path(snakemake.input.order),
         snakemake.params.settings, Path(snakemake.output.predictions[0]),
         Path(snakemake.output.plan[0]), Path(snakemake.output.curves), Path(snakemake.output.front),
         descriptors=[Path(p) for p in snakemake.input.descriptors],
         structures_path=Path(snakemake.input.structures),
         label_paths=[Path(p) for p in snakemake.input.labels])
