"""Claims on records in progress: two runs sharing one record store (two studies, two users on a
cluster) compute each configuration once.

A run claims a configuration by creating ``<record>.lock`` exclusively (O_EXCL, atomic on local
and NFSv3+ file systems) before computing it, keeps the claim's modification time fresh while it
computes, and removes it when the record is written or the attempt ends. A claim is stale, and is
taken over, when its holder is a dead process on this host, or when it has not been refreshed for
STALE_AFTER_S (a holder on another host that was killed).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

STALE_AFTER_S = 600.0
REFRESH_EVERY_S = 60.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's live process
        return True
    return True


class RecordClaim:
    """The claim on one record file; ``acquire`` returns whether this run holds it."""

    def __init__(self, record_path: Path, stale_after_s: float = STALE_AFTER_S,
                 refresh_every_s: float = REFRESH_EVERY_S):
        self.record_path = Path(record_path)
        self.path = self.record_path.with_name(self.record_path.name + ".lock")
        self.stale_after_s = stale_after_s
        self.refresh_every_s = refresh_every_s
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def _holder(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}   # being written, or damaged: judged by its age alone

    def stale(self) -> bool:
        """True when the claim's holder is gone (see the module docstring)."""
        holder = self._holder()
        if holder is None:
            return True
        if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
            if not _alive(holder["pid"]):
                return True
        try:
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return True
        return age > self.stale_after_s

    def acquire(self) -> bool:
        """Claim the record; False when another live run holds it. A stale claim is taken over
        (renamed aside first, so that two runs recovering it cannot both win). A store this run
        cannot write (read-only, another user's) has nothing to claim: True, no claim file."""
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                if self._take_over_stale():
                    continue
                return False
            except OSError as err:
                if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                    return True
                raise
            with os.fdopen(fd, "w") as fh:
                json.dump({"host": socket.gethostname(), "pid": os.getpid(),
                           "token": self.token, "since": time.time()}, fh)
            self._refresher = threading.Thread(target=self._refresh, daemon=True)
            self._refresher.start()
            return True
        return False

    def _take_over_stale(self) -> bool:
        """Remove a stale claim; False when the claim is live (or another run took it over)."""
        judged = self._holder()
        if not self.stale():
            return False
        aside = self.path.with_name(f"{self.path.name}.stale-{self.token}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return True          # gone meanwhile: try to create it again
        try:
            moved = json.loads(aside.read_text())
        except (OSError, ValueError):
            moved = {}
        if judged and moved.get("token") != judged.get("token"):
            # another run took the stale claim over in between: give its claim back
            try:
                os.link(aside, self.path)
            except FileExistsError:
                pass
            os.unlink(aside)
            return False
        os.unlink(aside)
        return True

    def _refresh(self) -> None:
        while not self._stop.wait(self.refresh_every_s):
            try:
                os.utime(self.path)
            except FileNotFoundError:
                return

    def release(self) -> None:
        """Give the claim up (only this run's own claim file is removed)."""
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join()
        holder = self._holder()
        if holder and holder.get("token") == self.token:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
