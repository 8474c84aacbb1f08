"""A self-contained HTML report: inline CSS and inline SVG plots drawn here, no script, no font,
no image and no link that leaves the page. Its Content-Security-Policy (``default-src 'none'``)
makes a browser refuse any request the page might still try.

Plots: pass@k per language (with its bootstrap interval), the verdict distribution, the reward
histogram; then the gates, the breakdowns, repair figures and the per-task table."""

from __future__ import annotations

from html import escape
from typing import Any

from rlcode.evaluate.gates import symbol
from rlcode.evaluate.reports.markdown import fmt

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VERDICT_COLOURS = {
    "passed": "#2e7d32", "failed": "#c62828", "compile_error": "#6a1b9a", "runtime_error": "#ef6c00",
    "timeout": "#f9a825", "memory_exceeded": "#00838f", "output_exceeded": "#5d4037", "sandbox_error": "#616161",
}
K_COLOURS = ("#1565c0", "#42a5f5", "#90caf9", "#0d47a1", "#64b5f6")

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1b1b;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.sub{color:#555;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:120px}
.card .v{font-size:22px;font-weight:600} .card .l{color:#555;font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:16px}
.plot{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.plot h3{font-size:14px;margin:2px 4px 6px}
table{border-collapse:collapse;background:#fff;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left} th{background:#f0f0f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600} .bad{color:#c62828;font-weight:600}
.bar{display:inline-block;height:10px;background:#2e7d32;vertical-align:middle}
.barbg{display:inline-block;width:60px;height:10px;background:#eee;vertical-align:middle;margin-right:6px}
code{font-size:12px} .nw{white-space:nowrap}
"""


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">' + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11, colour: str = "#333") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{colour}">'
            f"{escape(text)}</text>")


def _axis(left: int, top: int, plot_h: int, plot_w: int, ticks: int = 5, top_value: float = 1.0,
          label=lambda v: f"{v:.1f}") -> list[str]:
    out = []
    for i in range(ticks + 1):
        value = top_value * i / ticks
        y = top + plot_h - plot_h * i / ticks
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        out.append(_text(left - 6, y + 4, label(value), "end", 10, "#666"))
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>')
    return out


def pass_at_k_plot(result: dict) -> str:
    """Grouped bars: pass@k for each language (and overall), bootstrap interval as a whisker."""
    ks = result.get("k") or [1]
    blocks = [("all", result["metrics"])] + list(result["by_language"].items())
    if len(blocks) == 2:
        blocks = blocks[1:]  # one language: "all" says the same
    left, top, plot_h, bar_w = 40, 12, 180, 18
    group_w = max(bar_w * len(ks) + 18, 7 * max(len(name) for name, _ in blocks) + 12)  # room for the label
    width = left + group_w * len(blocks) + 20
    body = _axis(left, top, plot_h, group_w * len(blocks))
    for g, (name, block) in enumerate(blocks):
        x0 = left + g * group_w + (group_w - bar_w * len(ks)) / 2
        for j, k in enumerate(ks):
            value = block.get(f"pass@{k}")
            x = x0 + j * bar_w
            if value is None:
                body.append(_text(x + bar_w / 2, top + plot_h - 4, "–", size=10))
                continue
            h = plot_h * value
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 3}" height="{h:.1f}" '
                        f'fill="{K_COLOURS[j % len(K_COLOURS)]}"><title>{escape(name)} pass@{k} = {value:.3f}</title></rect>')
            interval = block.get(f"pass@{k}_ci")
            if interval:
                cx = x + (bar_w - 3) / 2
                y_lo, y_hi = top + plot_h * (1 - interval[0]), top + plot_h * (1 - interval[1])
                body.append(f'<line x1="{cx:.1f}" y1="{y_lo:.1f}" x2="{cx:.1f}" y2="{y_hi:.1f}" stroke="#222"/>')
                for y in (y_lo, y_hi):
                    body.append(f'<line x1="{cx - 3:.1f}" y1="{y:.1f}" x2="{cx + 3:.1f}" y2="{y:.1f}" stroke="#222"/>')
        body.append(_text(x0 + bar_w * len(ks) / 2, top + plot_h + 16, name))
    legend_y = top + plot_h + 34
    for j, k in enumerate(ks):
        body.append(f'<rect x="{left + j * 70}" y="{legend_y - 9}" width="10" height="10" '
                    f'fill="{K_COLOURS[j % len(K_COLOURS)]}"/>')
        body.append(_text(left + j * 70 + 14, legend_y, f"pass@{k}", "start", 11))
    return _svg(max(width, 260), legend_y + 8, body, "pass@k per language")


def verdict_plot(result: dict) -> str:
    counts = [(v, n) for v, n in result["metrics"]["verdicts"].items() if n]
    total = sum(n for _, n in counts) or 1
    left, row_h, plot_w = 110, 22, 220
    body = []
    for i, (verdict, n) in enumerate(counts):
        y = 8 + i * row_h
        w = plot_w * n / total
        body.append(_text(left - 6, y + 13, verdict, "end"))
        body.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
                    f'fill="{VERDICT_COLOURS.get(verdict, "#888")}"><title>{verdict}: {n}</title></rect>')
        body.append(_text(left + w + 6, y + 13, f"{n} ({100 * n / total:.0f}%)", "start"))
    if not counts:
        body.append(_text(150, 24, "no candidates"))
    return _svg(left + plot_w + 80, 16 + max(1, len(counts)) * row_h, body, "verdict distribution")


def reward_plot(result: dict) -> str:
    hist = result.get("reward_histogram") or {"edges": [0, 1], "counts": [0]}
    counts, edges = hist["counts"], hist["edges"]
    highest = max(counts) if counts and max(counts) else 1
    step = -(-highest // 5)  # whole-number ticks, at most five
    ticks = -(-highest // step)
    peak = step * ticks
    left, top, plot_h, bar_w = 40, 12, 150, 24
    body = _axis(left, top, plot_h, bar_w * len(counts), ticks=ticks, top_value=peak, label=lambda v: f"{v:.0f}")
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x = left + i * bar_w
        body.append(f'<rect x="{x + 1}" y="{top + plot_h - h:.1f}" width="{bar_w - 2}" height="{h:.1f}" fill="#5c6bc0">'
                    f"<title>[{edges[i]:.1f}, {edges[i + 1]:.1f}): {n}</title></rect>")
    for i in range(0, len(edges), 2):
        body.append(_text(left + i * bar_w, top + plot_h + 14, f"{edges[i]:.1f}", size=10))
    body.append(_text(left + bar_w * len(counts) / 2, top + plot_h + 30, "reward", size=11))
    return _svg(left + bar_w * len(counts) + 20, top + plot_h + 38, body, "reward histogram")


def _cards(m: dict, ks: list[int]) -> str:
    cards = []
    for k in ks:
        interval = m.get(f"pass@{k}_ci")
        extra = f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""
        cards.append((f"pass@{k}", fmt(m.get(f"pass@{k}"), 3), extra))
    cards += [("compile rate", fmt(m.get("compile_rate"), 3), ""), ("mean reward", fmt(m.get("mean_reward"), 3), ""),
              ("tasks", str(m["tasks"]), f"{m['candidates']} candidates")]
    eff = m.get("efficiency")
    if eff:
        cards.append(("time / canonical", fmt(eff.get("time_ratio"), 2), f"memory {fmt(eff.get('memory_ratio'), 2)}"))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{escape(v)}</div><div class="l">{escape(label)} {escape(extra)}</div></div>'
        for label, v, extra in cards) + "</div>"


def _table(columns: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _breakdown(title: str, blocks: dict[str, dict], ks: list[int]) -> str:
    rows = []
    for name, b in blocks.items():
        rows.append([escape(name), b["tasks"], b["candidates"]] + [fmt(b.get(f"pass@{k}"), 3) for k in ks]
                    + [fmt(b.get("compile_rate"), 3), fmt(b.get("mean_reward"), 3)])
    columns = [title, "tasks", "candidates"] + [f"pass@{k}" for k in ks] + ["compile rate", "mean reward"]
    return _table(columns, rows, set(range(1, len(columns))))


def render_html(result: dict) -> str:
    m, ks = result["metrics"], result.get("k") or [1]
    source = result.get("source") or {}
    gates = result.get("gates") or []
    parts = [f"<h1>rlcode eval</h1><div class=\"sub\">{escape(str(source.get('model') or source.get('candidates', '')))}"
             f" on {escape(str(source.get('tasks', '')))}; intervals: {round(result.get('confidence', .95) * 100)}% "
             f"bootstrap over tasks ({result.get('bootstrap')} resamples)</div>", _cards(m, ks)]
    if gates:
        rows = [[escape(g["metric"]), f"{symbol(g)} {g['threshold']:g}", fmt(g["value"]),
                 '<span class="ok">met</span>' if g["ok"] else '<span class="bad">missed</span>'] for g in gates]
        parts += ["<h2>Gates</h2>", _table(["metric", "needs", "value", ""], rows, {2})]
    parts += ['<h2>Plots</h2><div class="plots">',
              f'<div class="plot"><h3>pass@k per language</h3>{pass_at_k_plot(result)}</div>',
              f'<div class="plot"><h3>Verdicts</h3>{verdict_plot(result)}</div>',
              f'<div class="plot"><h3>Reward histogram</h3>{reward_plot(result)}</div></div>']
    parts += ["<h2>By language</h2>", _breakdown("language", result["by_language"], ks),
              "<h2>By kind</h2>", _breakdown("kind", result["by_kind"], ks)]
    repair = result.get("repair")
    if repair:
        keys = ("fix_rate", "regression_rate", "precision", "recall", "mean_changed_lines")
        parts += ["<h2>Repair</h2>", _table(["candidates"] + [k.replace("_", " ") for k in keys],
                                            [[repair["candidates"]] + [fmt(repair.get(k), 3) for k in keys]],
                                            set(range(6)))]
    rows = []
    for t in result["tasks"]:
        share = (t["pass@1"] or 0) * 60
        ff = t.get("first_failure") or {}
        verdicts = ", ".join(f'<span style="color:{VERDICT_COLOURS.get(v, "#333")}">{escape(v)} {n}</span>'
                             for v, n in t["verdicts"].items())
        why = escape(f"{ff.get('verdict')}: {ff.get('test') or ''}") if ff else ""
        rows.append([f"<code>{escape(t['task_id'])}</code>", escape(t["language"]), escape(t["kind"]),
                     f"{t['passed']}/{t['n']}",
                     f'<span class="nw"><span class="barbg"><span class="bar" style="width:{share:.0f}px"></span>'
                     f'</span>{fmt(t["pass@1"], 2)}</span>',
                     verdicts, why])
    parts += [f"<h2>Tasks ({len(rows)})</h2>",
              _table(["task", "language", "kind", "passed", "pass@1", "verdicts", "first failure"], rows, {3})]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>rlcode eval</title><style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
