import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.analysis.stage import run_claims  # noqa: E402

run_claims(Path(snakemake.input.summary), [Path(p) for p in snakemake.input.whole_half],
           snakemake.params.levels, snakemake.params.table_weights,
           snakemake.params.sampler_weight, Path(snakemake.output.table[0]).with_suffix(""),
           paper_dir=Path(snakemake.input.paper[0]) if snakemake.input.paper else None,
           dft_rmsd_path=Path(snakemake.input.dft_rmsd),
           floor_sampler=snakemake.params.floor_sampler,
           floor_stem=Path(snakemake.output.floor[0]).with_suffix(""),
           floor_plot=Path(snakemake.output.floor_plot),
           sweep_paths=[Path(p) for p in snakemake.input.sweeps])
