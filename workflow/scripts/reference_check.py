import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
from mlipcost.dft.jobs import archived_work, run_reference_check  # noqa: E402

with archived_work(Path(snakemake.output.work), snakemake.resources.get("tmpdir")) as work:
    run_reference_check(Path(snakemake.input.structures), snakemake.params.dft,
                        [Path(p) for p in snakemake.input.labels], snakemake.params.reference,
                        Path(snakemake.output.html).with_suffix(""),
                        record_store=Path(snakemake.params.record_store), work_dir=work)
