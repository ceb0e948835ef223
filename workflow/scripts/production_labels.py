import json
import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
# One DFT process per core: the job's threads, not every core of the node.
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
import h5py  # noqa: E402

from mlipcost.dft.jobs import archived_work  # noqa: E402
from mlipcost.plan.production import run_production_labels  # noqa: E402

role = snakemake.wildcards.role
with h5py.File(snakemake.input[0], "r") as h5:
    setting = json.loads(h5.attrs["settings_json"])["production"]
level = setting["train_level"] if role == "train" else snakemake.params.reference_level
with archived_work(Path(snakemake.output.work), snakemake.resources.get("tmpdir")) as work:
    run_production_labels(Path(snakemake.input[0]), snakemake.params.dft, level, role,
                          Path(snakemake.output.labels),
                          record_store=Path(snakemake.params.record_store), work_dir=work)
