import time

STARTED = time.perf_counter()  # the job's wall time, written into its chunk, counts the imports

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
# One DFT process per core: the job's threads, not every core of the node.
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
from mlipcost.dft.jobs import archived_work, run_label_chunk  # noqa: E402

with archived_work(Path(snakemake.output.work), snakemake.resources.get("tmpdir")) as work:
    run_label_chunk(Path(snakemake.input[0]), snakemake.params.dft, snakemake.wildcards.level,
                    int(snakemake.wildcards.chunk), Path(snakemake.output.chunk),
                    record_store=Path(snakemake.params.record_store), work_dir=work,
                    started=STARTED)
