"""After `.test/config/production.yaml`: production computed only what the pilot had not
labelled at each level, its labels cover exactly its sets, and its model and tables are there."""

import json
import re
import sys
from pathlib import Path

import numpy as np

from mlipcost.dft.labels import read_labels
from mlipcost.io.storage import open_h5, read_csv
from mlipcost.structures.configurations import read_structures


def source_ids(path):
    with open_h5(path, "structures") as h5:
        return h5["source_id"][()]


def main(results: Path) -> None:
    production = results / "production"
    made = read_structures(production / "structures.h5")
    pilot_ids, made_ids = source_ids(results / "structures.h5"), source_ids(
        production / "structures.h5")
    for role in ("train", "validation"):
        labels = read_labels(production / "labels" / f"{role}.h5")
        wanted = made.is_train if role == "train" else ~made.is_train
        assert labels.ok[wanted].all() and not labels.ok[~wanted].any(), role
        pilot_labels = read_labels(results / "labels" / f"level{labels.level}.h5")
        labelled_before = set(pilot_ids[pilot_labels.ok].tolist())
        new = sum(int(i) not in labelled_before for i in made_ids[wanted])
        log = (results / "logs/production" / f"labels_{role}.log").read_text()
        reused, computed = map(int, re.findall(r"(\d+) from the record store, (\d+) computed",
                                               log)[-1])
        # what the pilot labelled comes from the store; at most the rest is computed (a rerun
        # computes nothing)
        assert computed <= new and reused >= int(wanted.sum()) - new, (role, reused, computed)
        print(f"{role} at level {labels.level}: {int(wanted.sum())} configurations, {new} not "
              f"labelled by the pilot; {reused} from the record store, {computed} computed")
    table = read_csv(production / "predicted_vs_achieved.csv")
    # a curve the pilot did not identify has no prediction, but an interval
    assert np.isfinite(table["achieved"]).all(), table
    assert (np.isfinite(table["predicted"]) | np.isfinite(table["interval_upper"])).all(), table
    for suffix in ("snapcoeff", "snapparam"):
        assert (production / f"Be.{suffix}").stat().st_size > 0
    print(table.to_string(index=False))
    print(read_csv(production / "dft_spent.csv").to_string(index=False))
    print(json.loads((production / "production.json").read_text())["setting"])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
