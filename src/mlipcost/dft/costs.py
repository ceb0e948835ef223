"""The DFT cost of each configuration at each level, as the fronts and tables count it:
measured wall or CPU times where the labels carry them, the configured seconds per configuration
otherwise (``pareto.cost``)."""

from __future__ import annotations

import numpy as np


def cost_sources(labels, config: dict) -> list[str]:
    """Per level: 'measured' wall times, 'measured_cpu' CPU times of the DFT processes, or
    'configured' seconds per configuration.

    ``pareto.cost`` chooses; a level without what it asks for (imported labels without times)
    uses its ``seconds_per_config``, and a level with neither is an error naming it. With
    'measured_cpu', a configuration without a CPU time counts its wall time.
    """
    mode = config.get("pareto", {}).get("cost", "measured")
    sources = []
    for entry, lab in zip(config["dft"]["levels"], labels):
        measured = bool(np.isfinite(lab.wall_time_s[lab.ok]).all() and lab.ok.any())
        if mode != "configured" and measured:
            sources.append("measured_cpu" if mode == "measured_cpu" else "measured")
        elif "seconds_per_config" in entry:
            sources.append("configured")
        else:
            raise ValueError(f"dft.levels[{entry['name']}]: no measured wall times and no "
                             "seconds_per_config; add seconds_per_config for its DFT cost")
    return sources


def measured_seconds(lab, source: str) -> np.ndarray:
    """Per configuration: the wall time, or for 'measured_cpu' the CPU time (wall where none)."""
    if source == "measured_cpu" and lab.cpu_time_s is not None:
        return np.where(np.isfinite(lab.cpu_time_s), lab.cpu_time_s, lab.wall_time_s)
    return lab.wall_time_s


def configuration_costs(labels, config: dict, index: np.ndarray) -> np.ndarray:
    """DFT cost (s) of each configuration (rows) at each level (columns)."""
    columns = []
    for entry, lab, source in zip(config["dft"]["levels"], labels, cost_sources(labels, config)):
        if source == "configured":
            columns.append(np.full(len(index), float(entry["seconds_per_config"])))
        else:
            columns.append(measured_seconds(lab, source)[index])
    return np.stack(columns, axis=1)
