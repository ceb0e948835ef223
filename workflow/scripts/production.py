import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.production import run_production  # noqa: E402

inp = snakemake.input
run_production(Path(inp.structures), Path(inp.descriptors),
               {"train": Path(inp.train), "validation": Path(inp.validation)}, Path(inp.plan),
               Path(inp.predictions), Path(inp.pool), Path(inp.pilot),
               [Path(p) for p in inp.pilot_labels], snakemake.params.config,
               potential_stem=Path(snakemake.output.coeff).with_suffix(""),
               result_json=Path(snakemake.output.result),
               achieved_stem=Path(snakemake.output.achieved).with_suffix(""),
               spent_stem=Path(snakemake.output.spent).with_suffix(""))
