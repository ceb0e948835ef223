import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.pilot import make_pilot_structures  # noqa: E402

plan = snakemake.params.plan
make_pilot_structures(Path(snakemake.input.pool), Path(snakemake.input.order),
                      int(plan["pilot_size"]), int(plan["test_size"]), int(snakemake.params.seed),
                      {"pilot": plan, "seed": snakemake.params.seed}, Path(snakemake.output[0]))
