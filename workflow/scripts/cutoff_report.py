import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_cutoff_report  # noqa: E402

inp, out, params = snakemake.input, snakemake.output, snakemake.params
study, *axis = params.rcutfac
n = len(inp.sweeps)   # expand() lists the axis's files cutoff by cutoff, 2Jmax within
sweeps = {study: list(inp.sweeps), **{r: inp.cutoff_sweeps[i * n:(i + 1) * n]
                                      for i, r in enumerate(axis)}}
md = {study: list(inp.md), **{r: inp.cutoff_md[i * n:(i + 1) * n] for i, r in enumerate(axis)}}
run_cutoff_report(sweeps, md, radelem=params.radelem, reference_level=params.reference_level,
                  front_samplers=params.front_samplers, energy_weight=params.energy_weight,
                  summary_csv=Path(out.summary[0]), models_stem=Path(out.models[0]).with_suffix(""),
                  front_stem=Path(out.front[0]).with_suffix(""), plot=Path(out.plot))
