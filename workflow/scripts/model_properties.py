import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_model_properties  # noqa: E402

out = snakemake.output
potentials = {level: (Path(c), Path(p))
              for level, c, p in zip(snakemake.params.levels, out.coeff, out.param)}
run_model_properties(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.descriptors],
                     [Path(p) for p in snakemake.input.labels], snakemake.params.settings,
                     snakemake.params.descriptors, snakemake.params.element,
                     Path(out.table[0]), potentials)
