import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.run import run_train_multifidelity  # noqa: E402

run_train_multifidelity(Path(snakemake.input.structures),
                        [Path(p) for p in snakemake.input.labels],
                        Path(snakemake.input.leverage[0]) if snakemake.input.leverage else None,
                        snakemake.params.settings, Path(snakemake.params.store),
                        snakemake.params.offline, Path(snakemake.output[0]),
                        threads=snakemake.threads, work=Path(snakemake.params.work))
