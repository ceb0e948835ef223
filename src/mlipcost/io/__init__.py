"""Files: atomic writes, content hashes and provenance (``storage``), their verification
(``integrity``), which rule makes which result (``producers``), trajectories read in one
pass (``trajectories``), LAMMPS (``lammps``), the workflow's job logs (``joblog``)."""
