import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.production import make_production_structures, planned_setting  # noqa: E402

setting = planned_setting(Path(snakemake.input.plan), Path(snakemake.input.predictions),
                          snakemake.params.production)
make_production_structures(Path(snakemake.input.pool), Path(snakemake.input.order),
                           Path(snakemake.input.pilot), setting,
                           int(snakemake.params.validation_size), int(snakemake.params.seed),
                           {"seed": snakemake.params.seed}, Path(snakemake.output[0]))
