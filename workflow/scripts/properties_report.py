import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_properties_report  # noqa: E402

out, inp = snakemake.output, snakemake.input
stem = lambda table: Path(table[0]).with_suffix("")  # noqa: E731
run_properties_report([Path(p) for p in inp.dft], [Path(p) for p in inp.models],
                      [Path(p) for p in inp.whole_half], [Path(p) for p in inp.md],
                      reference_level=snakemake.params.reference_level,
                      energy_weight=snakemake.params.energy_weight, table_stem=stem(out.table),
                      errors_stem=stem(out.errors), front_stem=stem(out.front),
                      plot=Path(out.plot))
