"""Opens a Snakemake report in headless Chromium: the page renders (screenshot not blank) and
every embedded figure decodes and displays (naturalWidth > 0). Used by `make test`.

    python tests/check_report_renders.py REPORT.html FIGURE.png ... [--category=NAME]
"""

import base64
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=8000"]


def chromium(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("chromium not found: install Debian's chromium (make test does)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def main(report: Path, expected: list[str], category: str = "Pareto front") -> None:
    html = report.read_text()
    uris = {name: uri for uri, name in re.findall(
        r'"data_uri": "(data:image/png;[^"]*?filename=([^;"]+);base64,[^"]+)"', html)}
    missing = [name for name in expected if name not in uris]
    assert not missing, f"figures missing from {report}: {missing}"
    for name, uri in uris.items():
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split("base64,", 1)[1])))
                           .convert("L"), dtype=float)
        assert image.shape[0] > 100 and image.shape[1] > 100, f"{name}: tiny image"
        assert image.std() > 5, f"{name}: blank image"
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "figures.html"
        tags = "".join(f'<img id="i{k}" src="{uri}">' for k, uri in enumerate(uris.values()))
        page.write_text(
            f"<html><body>{tags}<pre id=out></pre><script>window.onload=function(){{"
            "var w=[];document.querySelectorAll('img').forEach(function(i){w.push(i.naturalWidth)});"
            "document.getElementById('out').textContent=JSON.stringify(w);}</script></body></html>")
        dom = chromium("--dump-dom", page.as_uri()).stdout
        widths = json.loads(re.search(r'<pre id="out">(.*?)</pre>', dom).group(1))
        assert len(widths) == len(uris) and all(w > 0 for w in widths), \
            f"figures that do not render in Chromium: {widths}"
        shot = Path(tmp) / "report.png"
        chromium("--window-size=1280,900", f"--screenshot={shot}", report.resolve().as_uri())
        pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
        assert pixels.std() > 10, "the report page renders blank"
        dom = chromium("--dump-dom", report.resolve().as_uri()).stdout
        assert category in dom, f"the report's result category {category!r} did not render"
    print(f"report OK: page renders, {len(uris)} figures decode and display in Chromium")


if __name__ == "__main__":
    # --category=NAME: a category the report must show (default "Pareto front")
    options = dict(a[2:].split("=", 1) for a in sys.argv[2:] if a.startswith("--"))
    main(Path(sys.argv[1]), [a for a in sys.argv[2:] if not a.startswith("--")],
         **options)
