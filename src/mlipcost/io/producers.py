"""Which rule of the workflow writes which results file: error messages name it, so a user knows
what to rerun."""

from __future__ import annotations

import fnmatch

# (pattern relative to the results folder, the rule that makes such a file)
MADE_BY = [
    ("production/structures.h5", "production_structures"),
    ("production/descriptors.h5", "production_descriptors"),
    ("production/labels/*.h5", "production_labels"),
    ("production/*.csv", "production"),
    ("structures.h5", "structures"),
    ("pool/structures.h5", "pool_structures"),
    ("pool/descriptors/2J*.h5", "pool_descriptors"),
    ("descriptors/2J*/part*of*.h5", "descriptor_part"),
    ("descriptors/2J*.h5", "descriptors"),
    ("dft/level*/chunk*.h5", "label_chunk"),
    ("labels/level*.h5", "collect_level (import_level for an imported level)"),
    ("leverage/2J*.csv", "leverage"),
    ("sweep/2J*/*_repeats*-*.csv", "fit_sweep_block"),
    ("sweep/2J*/halves.npz", "sweep_halves"),
    ("sweep/2J*.csv", "fit_sweep"),
    ("sweep/whole_half_2J*.csv", "whole_half"),
    ("sweep/residual*_2J*.csv", "whole_half"),
    ("pool/order.csv", "pool_order"),
    ("plan/*.csv", "plan"),
    ("pareto/*.csv", "pareto"),
    ("claims/*.csv", "claims"),
    ("paper/*.csv", "paper_comparison"),
    ("tables/reference_convergence.csv", "reference_check"),
    ("tables/table2_*.csv", "model_tables"),
    ("tables/table4_*.csv", "model_tables"),
    ("tables/table5_*.csv", "model_tables"),
    ("tables/*.csv", "tables"),
    ("labels/level*.extxyz", "collect_level (import_level for an imported level)"),
    ("md/*", "md_cost"),
    ("models/*", "train_model / gather_models"),
    ("*.npz", "label_chunk (a DFT record; the run discards and recomputes an unreadable one)"),
]


def made_by(relative: str) -> str:
    """The rule that writes a results file (path relative to the results folder)."""
    for pattern, rule in MADE_BY:
        # a study's results may sit one folder down (results_dir: results/<study>)
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, "*/" + pattern):
            return rule
    return "the rule that writes it (see the Snakefile's rules)"
