import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.rounds import write_adaptive_report  # noqa: E402

write_adaptive_report(Path(snakemake.input[0]), Path(snakemake.output.outcome).parent,
                      dict(snakemake.params.targets), float(snakemake.params.confidence))
