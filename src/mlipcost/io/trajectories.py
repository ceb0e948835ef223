"""Reading trajectories in one forward pass, compressed or not.

ASE's extxyz reader, asked for every frame (``index=":"``), first scans the file for the offset of
each frame and then seeks back to each one. On a gzip, bz2 or xz stream every backward seek
decompresses from the start, so reading all frames costs time quadratic in the file's length
(6,355 frames of ``be_wbe.extxyz.gz``: 475 s of a 567 s fit). Here the file is read once, front to
back: each frame's lines (count, comment, atoms, optional ``VEC`` lines) are cut out of the
stream and handed to ASE's own parser, so every extxyz convention ASE knows (calculator results,
``info`` keys, per-atom arrays) is kept. Formats other than (ext)xyz go to ``ase.io.iread``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from ase import Atoms

STREAMED_FORMATS = ("extxyz", "xyz")


def _frame_texts(lines: Iterator[str], path: Path) -> Iterator[str]:
    pending = None
    while True:
        header = pending if pending is not None else next(lines, None)
        pending = None
        if header is None or not header.strip():
            return
        try:
            natoms = int(header.split()[0])
        except ValueError:
            raise ValueError(f"{path}: expected a frame's atom count, got {header.strip()[:60]!r}") \
                from None
        body = [header]
        for _ in range(natoms + 1):         # the comment line, then one line per atom
            line = next(lines, None)
            if line is None:
                raise ValueError(f"{path}: the last frame stops after {len(body) - 2} of "
                                 f"{natoms} atoms (the file is truncated)")
            body.append(line)
        for line in lines:
            if line.lstrip().startswith("VEC"):
                body.append(line)
            else:
                pending = line
                break
        yield "".join(body)


def iter_frames(path: str | Path, format: str | None = None) -> Iterator[Atoms]:
    """Every frame of ``path`` in file order, reading the (possibly compressed) file once."""
    from ase.io import iread
    from ase.io.extxyz import read_xyz
    from ase.io.formats import filetype, open_with_compression

    path = Path(path)
    fmt = format or filetype(str(path))
    if fmt not in STREAMED_FORMATS:
        yield from iread(str(path), index=":", format=fmt)
        return
    with open_with_compression(str(path), "r") as stream:
        for text in _frame_texts(iter(stream), path):
            yield next(read_xyz(io.StringIO(text), 0))


def read_frames(path: str | Path, format: str | None = None) -> list[Atoms]:
    """All frames of ``path`` as a list (one forward pass; see ``iter_frames``)."""
    return list(iter_frames(path, format))
