import os
import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
# One DFT process per core: the job's threads, not every core of the node.
os.environ.setdefault("OMP_NUM_THREADS", str(snakemake.threads))
import numpy as np  # noqa: E402

from mlipcost.dft.jobs import archived_work  # noqa: E402
from mlipcost.dft.store import label_subset  # noqa: E402
from mlipcost.plan.rounds import round_purchases  # noqa: E402
from mlipcost.structures.configurations import read_structures  # noqa: E402

level, number = snakemake.wildcards.level, snakemake.wildcards.round
structures = read_structures(Path(snakemake.input.structures))
wanted = np.zeros(len(structures), bool)
wanted[round_purchases(Path(snakemake.input.round)).get(level, [])] = True
with archived_work(Path(snakemake.output.work), snakemake.resources.get("tmpdir")) as work:
    label_subset(structures, wanted, snakemake.params.dft, level, Path(snakemake.output.labels),
                 record_store=Path(snakemake.params.record_store), work_dir=work,
                 why_not=f"adaptive round {number} did not buy it at this level",
                 name=f"adaptive round {number}, level {level}", round=int(number))
