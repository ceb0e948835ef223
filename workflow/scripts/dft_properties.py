import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
from mlipcost.dft.jobs import archived_work, run_dft_properties  # noqa: E402

with archived_work(Path(snakemake.output.work), snakemake.resources.get("tmpdir")) as work:
    run_dft_properties(snakemake.params.dft, snakemake.wildcards.level, snakemake.params.element,
                       snakemake.params.settings, Path(snakemake.output.json),
                       record_store=Path(snakemake.params.record_store), work_dir=work)
