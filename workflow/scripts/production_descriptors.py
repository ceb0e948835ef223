import json
import sys
from pathlib import Path

# the guard keeps descriptor worker processes (spawned, so they import this file) from rerunning it
if __name__ == "__main__":
    sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
    import h5py

    from mlipcost.descriptors.stage import run_descriptors

    with h5py.File(snakemake.input.structures, "r") as h5:
        setting = json.loads(h5.attrs["settings_json"])["production"]
    run_descriptors(Path(snakemake.input.structures), snakemake.params.element,
                    snakemake.params.descriptors, int(setting["twojmax"]),
                    Path(snakemake.output[0]), workers=snakemake.threads)
