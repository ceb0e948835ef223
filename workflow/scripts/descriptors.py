import sys
from pathlib import Path

# the guard keeps descriptor worker processes (spawned, so they import this file) from rerunning it
if __name__ == "__main__":
    sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
    from mlipcost.descriptors.stage import run_descriptors

    part = getattr(snakemake.wildcards, "part", None)
    run_descriptors(Path(snakemake.input[0]), snakemake.params.element,
                    snakemake.params.descriptors, int(snakemake.wildcards.twojmax),
                    Path(snakemake.output[0]), workers=snakemake.threads,
                    part=None if part is None else (int(part), int(snakemake.wildcards.parts)))
