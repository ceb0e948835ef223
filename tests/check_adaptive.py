"""After `.test/config/adaptive.yaml`: every round but the last asked for labels, each round's
label files hold exactly what it asked for, no label was bought twice, the validation set is
drawn from the test half and the order from the training half, and the DFT the outcome reports
is what the label files measured; a plan that reached the targets wrote its model for LAMMPS."""

import json
import sys
from pathlib import Path

import numpy as np

from mlipcost.dft.labels import STATUS_NOT_REQUESTED, read_labels, read_statuses
from mlipcost.structures.configurations import read_structures


def main(results: Path) -> None:
    folder = results / "plan/adaptive"
    structures = read_structures(results / "structures.h5")
    rounds = sorted(folder.glob("round*.json"), key=lambda p: int(p.stem[len("round"):]))
    records = [json.loads(p.read_text()) for p in rounds]
    assert [r["round"] for r in records] == list(range(len(records)))
    assert all(r["status"] == "labels needed" for r in records[:-1])
    assert records[-1]["status"] != "labels needed"
    # round 0 asks for the validation set alone, at the reference level
    last = records[-1]["configurations"]
    assert list(records[0]["purchases"]) == ["3"]
    assert sorted(records[0]["purchases"]["3"]) == sorted(last["validation"])
    assert not structures.is_train[last["validation"]].any()
    assert structures.is_train[last["order"]].all()
    bought, spent = {}, 0.0
    for record in records[:-1]:
        for level, configs in record["purchases"].items():
            path = folder / f"labels/round{record['round']}/level{level}.h5"
            statuses = np.array(read_statuses(path))
            at_hand = np.flatnonzero(statuses != STATUS_NOT_REQUESTED)
            assert sorted(at_hand.tolist()) == sorted(configs), path
            earlier = bought.setdefault(level, set())
            assert not earlier & set(configs), f"level {level} bought twice: {earlier & set(configs)}"
            earlier.update(configs)
            spent += float(np.nansum(read_labels(path).wall_time_s[at_hand]))
    outcome = json.loads((folder / "outcome.json").read_text())
    assert abs(outcome["spent_s"] - spent) <= 1e-6 * spent, (outcome["spent_s"], spent)
    # a decision is followed by production: the chosen model written for LAMMPS
    potential = [folder / f"Be.{ext}" for ext in ("snapcoeff", "snapparam")]
    assert all(p.exists() for p in potential) == (outcome["status"] == "reached"), outcome["status"]
    print(f"adaptive: {len(records)} rounds, {outcome['status']}; bought "
          + ", ".join(f"level {lv}: {len(c)}" for lv, c in sorted(bought.items()))
          + f"; {spent:.1f} s of DFT, as the outcome reports")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
