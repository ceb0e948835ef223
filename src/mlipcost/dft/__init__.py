"""DFT labelling: the convergence ladder, k-meshes, backends (GPAW locally, VASP on clusters)."""
