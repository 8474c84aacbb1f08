"""The HTML report rendered by real headless Chromium (Debian's; scripts/ensure-chromium.sh), offline:
the screenshot must show the plots' colours, so the inline SVG really drew."""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from rlcode.evaluate.metrics import EvalOptions, evaluate_rows
from rlcode.evaluate.reports.html import VERDICT_COLOURS, render_html
from rlcode.languages import language_names
from rlcode.tasks import load_tasks
from tests.test_eval import SCORED, _tasks

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium: run scripts/ensure-chromium.sh")]


def _pixels(png: bytes) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw, stride, colours = zlib.decompress(idat), width * channels, set()
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(tuple(line[i:i + 3]) for i in range(0, stride, channels))
        prev = line
    return colours


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_report_renders_offline_in_chromium(tmp_path):
    tasks = load_tasks(str(_tasks(tmp_path)), language_names())
    page = tmp_path / "report.html"
    page.write_text(render_html({**evaluate_rows(SCORED, tasks, EvalOptions(ks=(1, 2))), "gates": []}))
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--window-size=1100,900", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", page.as_uri()], check=True, timeout=120, capture_output=True)
    colours = _pixels(Path(shot).read_bytes())
    for verdict in ("passed", "failed", "compile_error", "runtime_error", "timeout"):  # the verdict bars drew
        assert _rgb(VERDICT_COLOURS[verdict]) in colours, verdict
    assert (0x15, 0x65, 0xc0) in colours and (0x5c, 0x6b, 0xc0) in colours  # pass@k bars, reward histogram
