"""What a study concludes: Pareto fronts and budgets (``pareto``), the paper's tables
(``tables``), its claims and their evidence (``claims``), figures (``plots``); ``stage``
is the workflow's glue."""
