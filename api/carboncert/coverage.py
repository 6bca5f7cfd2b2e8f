"""`carboncert coverage`: per scheme and category, how many clauses are encoded, handed to the
reviewer or not encoded, and which encoded clauses lack a passing or a failing clause test."""

from __future__ import annotations

import html
from collections import defaultdict

from . import clausetests, rulebooks

ENCODINGS = ("encoded", "manual_review", "not_encoded")


def coverage() -> list[dict]:
    out = []
    for scheme in sorted(rulebooks.catalogue()):
        for v in rulebooks.versions(scheme):
            expected = defaultdict(set)
            for t in clausetests.load_tests(v.folder):
                for cid, status in t.expect.items():
                    expected[cid].add(status)
            by_cat: dict[str, dict] = {}
            for c in v.clauses:
                row = by_cat.setdefault(c.category, {e: 0 for e in ENCODINGS} | {"untested": []})
                enc = v.encoding[c.id]
                row[enc] += 1
                if enc == "encoded" and not {"passed", "failed"} <= expected[c.id]:
                    row["untested"].append(c.id)
            out.append({"scheme": v.scheme, "version": v.version or v.slug, "categories": by_cat,
                        "totals": {e: sum(r[e] for r in by_cat.values()) for e in ENCODINGS}})
    return out


def render_text(data: list[dict]) -> str:
    lines = []
    for s in data:
        t = s["totals"]
        lines.append(f"{s['scheme']} {s['version']}: encoded {t['encoded']}, manual_review {t['manual_review']}, "
                     f"not_encoded {t['not_encoded']}")
        for cat, row in sorted(s["categories"].items()):
            gap = f"  lacking a pass/fail test: {', '.join(row['untested'])}" if row["untested"] else ""
            lines.append(f"  {cat:<22} encoded {row['encoded']:>3}  manual_review {row['manual_review']:>3}  "
                         f"not_encoded {row['not_encoded']:>3}{gap}")
    return "\n".join(lines) + "\n"


def render_html(data: list[dict]) -> str:
    """A page with one stacked bar per scheme and category (inline SVG, no scripts)."""
    colours = {"encoded": "#2e7d32", "manual_review": "#f9a825", "not_encoded": "#c62828"}
    parts = ["<!doctype html><html lang='en'><meta charset='utf-8'><title>carboncert coverage</title>",
             "<style>body{font:14px sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}</style>",
             "<h1>carboncert clause coverage</h1><p>",
             " ".join(f"<span style='color:{c}'>■</span> {e}" for e, c in colours.items()), "</p>"]
    for s in data:
        parts.append(f"<h2>{html.escape(s['scheme'])} {html.escape(s['version'])}</h2><table>")
        for cat, row in sorted(s["categories"].items()):
            total = sum(row[e] for e in ENCODINGS) or 1
            x, bars = 0.0, []
            for e in ENCODINGS:
                w = 400 * row[e] / total
                if w:
                    bars.append(f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='16' fill='{colours[e]}'>"
                                f"<title>{e}: {row[e]}</title></rect>")
                x += w
            untested = html.escape(", ".join(row["untested"])) or "—"
            parts.append(f"<tr><th>{html.escape(cat)}</th><td><svg width='400' height='16'>{''.join(bars)}</svg></td>"
                         f"<td>{row['encoded']} / {row['manual_review']} / {row['not_encoded']}</td>"
                         f"<td>untested: {untested}</td></tr>")
        parts.append("</table>")
    parts.append("</html>")
    return "\n".join(parts)
