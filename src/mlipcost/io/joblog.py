"""The failed jobs of a Snakemake run and each one's own error line, read from the run's log and
the jobs' log files (Snakemake itself prints only "check log file(s) for error details")."""

from __future__ import annotations

import re
from pathlib import Path

_FAILED = re.compile(r"^Error in rule (\S+):\s*$")
_WILDCARDS = re.compile(r"^\s+wildcards:\s*(.+)$")
_LOG = re.compile(r"^\s+log:\s*(.+?)\s*(\(check log file\(s\) for error details\))?\s*$")
# the line that says what went wrong: an exception ("ValueError: ..."), or a line saying error
_ERROR_LINE = re.compile(r"^(\w+(\.\w+)*(Error|Exception|Exit)\b.*|.*\berror\b.*)$", re.I)


def error_line(log_path: Path) -> str | None:
    """The last line of a job's log that states an error (an exception line, or a line with
    'error' in it); else its last non-empty line; None when the log is missing or empty."""
    try:
        lines = [ln.strip() for ln in Path(log_path).read_text(errors="replace").splitlines()]
    except OSError:
        return None
    lines = [ln for ln in lines if ln]
    for line in reversed(lines):
        if _ERROR_LINE.match(line) and not line.startswith("Traceback"):
            return line
    return lines[-1] if lines else None


def failed_jobs(run_log: str | Path, workdir: Path = Path(".")) -> list[str]:
    """One line per failed job of a run: the rule, its wildcards and its own error line."""
    text = Path(run_log).read_text(errors="replace").splitlines()
    out, seen = [], set()
    for i, line in enumerate(text):
        match = _FAILED.match(line)
        if not match:
            continue
        rule, wildcards, logs = match[1], "", []
        for detail in text[i + 1:i + 40]:
            if not detail.startswith((" ", "\t")):
                break
            if m := _WILDCARDS.match(detail):
                wildcards = m[1]
            elif m := _LOG.match(detail):
                logs = [p.strip() for p in m[1].split(",")]
        errors = [e for e in (error_line(workdir / p) for p in logs) if e]
        what = "; ".join(errors) or ("no error line in its log " + ", ".join(logs) if logs
                                     else "it has no log file")
        entry = f"{rule}{f' ({wildcards})' if wildcards else ''}: {what}"
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out
