"""Table 3 and Bayerl's metrics count only the configurations the models see: an imported level
carries labels of configurations the structure checks rejected, which must not enter them."""

import numpy as np
import pandas as pd
from ase.build import bulk

from mlipcost.dft.labels import write_level_file
from mlipcost.analysis.stage import run_tables
from mlipcost.structures.configurations import Structures, write_structures


def test_table3_of_an_import_with_rejected_cells_is_the_valid_cells_rmsd(tmp_path):
    rng = np.random.default_rng(1)
    atoms = [bulk("Be", "hcp", a=2.29, c=3.58).repeat((2, 1, 1)) for _ in range(11)]
    for a in atoms:
        a.positions += rng.normal(scale=0.05, size=a.positions.shape)
    structures = Structures.from_atoms(atoms, kinds=["hcp/rattle"] * 11)
    structures.is_train = np.zeros(11, bool)
    valid = np.ones(11, bool)
    valid[[2, 5, 9]] = False            # rejected by the structure checks, labelled all the same
    path = tmp_path / "structures.h5"
    write_structures(path, structures, {}, valid=valid)
    n_atoms = structures.n_atoms
    ref_e = -3.0 * n_atoms + rng.normal(scale=0.01, size=11)
    ref_f = rng.normal(size=(n_atoms.sum(), 3))
    de = np.where(valid, 0.010, 25.0)   # eV/atom: 10 meV/atom on valid cells, huge on rejected
    df = np.repeat(np.where(valid, 0.05, 30.0), n_atoms)[:, None] * np.ones(3)
    levels = [("1", ref_e + de * n_atoms, ref_f + df), ("2", ref_e, ref_f)]
    label_paths = []
    for name, energy, forces in levels:
        out = tmp_path / f"level{name}.h5"
        write_level_file(out, structures, settings={}, level=name, structures_hash="x",
                         energy=energy, forces=forces, stress=np.zeros((11, 6)),
                         wall_time_s=np.ones(11), status=["ok"] * 11, reasons=[""] * 11)
        label_paths.append(out)
    config = {"dft": {"levels": [{"name": "1", "cutoff_eV": 200, "kspacing_per_A": None},
                                 {"name": "2", "cutoff_eV": 300, "kspacing_per_A": 0.5}]},
              "fit": {"reference_level": "2"}, "pareto": {"cost": "measured"}}
    stems = {k: tmp_path / k for k in ("ladder", "rmsd", "metrics", "bayerl", "failures")}
    run_tables(path, label_paths, config, ladder_stem=stems["ladder"], rmsd_stem=stems["rmsd"],
               metrics_stem=stems["metrics"], bayerl_stem=stems["bayerl"],
               failures_stem=stems["failures"], parity_plot_path=tmp_path / "parity.png")
    table3 = pd.read_csv(tmp_path / "rmsd.csv")
    assert int(table3["n_configs"].iloc[0]) == 8
    assert np.isclose(table3["energy_rmsd_meV_per_atom"].iloc[0], 10.0)
    assert np.isclose(table3["force_rmsd_meV_per_A"].iloc[0], 50.0)
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert (metrics["n_configs"] == 8).all()
    assert np.isclose(metrics["energy_rmse_meV_per_atom"].iloc[0], 10.0)
