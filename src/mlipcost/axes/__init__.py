"""The study's further axes, each beside the main sweep: mixed-fidelity training
(``mixed``), levels as label noise (``noise``), the descriptor cutoff (``cutoff``), physical
properties of models and DFT (``properties``, ``properties_report``); ``stage`` is the
workflow's glue."""
