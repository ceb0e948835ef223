import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
# One DFT process per core: the job's threads, not every core of the node.
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
from mlipcost.dft.jobs import run_label_chunk  # noqa: E402

run_label_chunk(Path(snakemake.input[0]), snakemake.params.dft, snakemake.wildcards.level,
                int(snakemake.wildcards.chunk), Path(snakemake.output[0]))
