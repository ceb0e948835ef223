import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
from mlipcost.dft.jobs import run_reference_check  # noqa: E402

run_reference_check(Path(snakemake.input.structures), snakemake.params.dft,
                    [Path(p) for p in snakemake.input.labels], snakemake.params.reference,
                    Path(snakemake.output[0]))
