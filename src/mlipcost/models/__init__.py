"""Model families: what a study fits to each training set.

``qsnap`` is linear: its whole sweep is solved exactly by the streamed engine of
:mod:`mlipcost.models.fit`. A trained family (``mace``) is fitted one training set at a time by its own
code; :mod:`mlipcost.models.trained` picks that set the way the qSNAP sweep does (same sampler
orderings, same seeds), trains, and writes the same error columns, and
:mod:`mlipcost.models.store` keeps each trained model's predictions so that no model is trained
twice.
"""

LINEAR_FAMILY = "qsnap"
TRAINED_FAMILIES = ("mace",)
FAMILIES = (LINEAR_FAMILY, *TRAINED_FAMILIES)


def trained_family(name: str):
    """The module that trains family ``name`` (imported only when asked: its code is an extra)."""
    if name == "mace":
        from . import mace
        return mace
    raise ValueError(f"models: unknown trained family {name!r}; use one of {list(TRAINED_FAMILIES)}")
