"""`carboncert docs`: a static, searchable HTML site of the rulebooks, generated from the shapes and
the clause metadata, for rule maintainers and reviewers.

    DIR/index.html                                  schemes and versions, search box
    DIR/<scheme>/<version slug>/index.html          every clause of a version, grouped by category
    DIR/<scheme>/<version slug>/clauses/<f>.html    one clause: text, encoding, what is checked, reading,
                                                    manual-review line, derived quantities, clause tests
    DIR/search-index.json                           the search index (every clause)
    DIR/search-index.js, search.js, style.css       the same index for the page script; plain JS, no CDN

Works opened from disk (file://): the index is loaded with a <script> tag, not fetched. Output is
stable: the same shapes, metadata and tests give byte-identical files (no dates, everything sorted).
`clause_path()` gives the site-relative URL of a clause page (for links from reports).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from . import clausetests, rulebooks
from .vocab import HOME, SH

ENCODING_LABEL = {"encoded": "encoded", "manual_review": "manual review", "not_encoded": "not encoded"}
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)),
             "index", "clauses"}


# ------------------------------------------------------------------------------------------ paths

def clause_file(clause_id: str) -> str:
    """A safe, deterministic file name for a clause page.

    Ids made only of lower-case ASCII letters, digits, dots and single inner hyphens ("7.4.2.3", "3-p2")
    keep their name (which then never contains "--"); any other id gets a readable part (runs of other
    characters become "-") plus "--" and a hash of the exact id, so "7.4.2.3[2]", "6.2/EF a)", "3/p2" and
    "3-p2" never collide, not even on a case-insensitive disk."""
    readable = re.sub(r"[^a-z0-9.]+", "-", clause_id.lower())
    readable = re.sub(r"\.{2,}", ".", readable).strip("-.")[:60].strip("-.")
    if readable != clause_id or not readable or readable.split(".")[0] in _RESERVED:
        digest = hashlib.sha256(clause_id.encode("utf-8")).hexdigest()[:10]
        readable = f"{readable or 'clause'}--{digest}"
    return readable + ".html"


def version_dir(scheme: str, slug: str) -> str:
    """Site-relative URL of a version's folder (ends with '/')."""
    return f"{quote(scheme, safe='')}/{quote(slug, safe='')}/"


def clause_path(scheme: str, slug: str, clause_id: str) -> str:
    """Site-relative URL of a clause page, e.g. 'bcc-cams/V2.2/clauses/7.4.2.3-2--1a2b3c4d5e.html'."""
    return f"{version_dir(scheme, slug)}clauses/{clause_file(clause_id)}"


# ------------------------------------------------------------------------------------------ facts

def _label(v: rulebooks.RulebookVersion) -> str:
    return v.version or v.slug


def _constraints(v: rulebooks.RulebookVersion, cid: str) -> list[dict]:
    """The bilingual messages and remedies of the shapes and constraints naming a clause, sorted by content."""
    items = []
    for node, ann in v.annotations.items():
        if cid not in ann.clauses or not ann.message:
            continue
        if ann.not_applicable:
            kind = "not applicable when"
        elif ann.missing:
            kind = "missing information when"
        elif v.shapes.value(node, SH.severity) == SH.Warning:
            kind = "warning when"
        elif v.shapes.value(node, SH.severity) == SH.Info:
            kind = "note when"
        else:
            kind = "fails when"
        item = {"kind": kind, "message": ann.message, "remedy": ann.remedy, "option": ann.option,
                "uses": list(ann.uses)}
        if item not in items:
            items.append(item)
    kinds = ["fails when", "warning when", "note when", "missing information when", "not applicable when"]
    items.sort(key=lambda i: (i["option"], kinds.index(i["kind"]), i["message"].get("en", ""),
                              i["message"].get("zh", ""), json.dumps(i["remedy"], ensure_ascii=False)))
    return items


def _uses(v: rulebooks.RulebookVersion, cid: str) -> list[str]:
    return sorted({u for ann in v.annotations.values() if cid in ann.clauses for u in ann.uses})


def _rule_files_for(v: rulebooks.RulebookVersion, quantity: str, texts: dict[Path, str]) -> list[str]:
    out = []
    for path in v.rule_files:
        if path not in texts:
            texts[path] = path.read_text(encoding="utf-8")
        if f'"{quantity}"' in texts[path]:
            try:
                out.append(path.relative_to(HOME).as_posix())
            except ValueError:
                out.append(path.name)
    return sorted(out)


def _tests_by_clause(v: rulebooks.RulebookVersion) -> tuple[dict[str, list], str]:
    """clause id -> its clause tests; and a warning when the tests cannot be read."""
    by_clause: dict[str, list] = defaultdict(list)
    try:
        tests = clausetests.load_tests(v.folder)
    except Exception as exc:  # a broken test file must not stop the documentation; say so
        return by_clause, f"clause tests could not be read: {exc}"
    for t in tests:
        for cid in t.expect:
            by_clause[cid].append(t)
    return by_clause, ""


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


# ------------------------------------------------------------------------------------------ html

STYLE = """\
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;color:#1c1c1c}
header{background:#1f4e3d;color:#fff;padding:.6em 1.5em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
header a{color:#fff;font-weight:600;text-decoration:none}
header input{flex:1;min-width:14em;max-width:36em;padding:.35em .6em;font-size:15px;border-radius:4px;border:0}
main{padding:1em 1.5em;max-width:72em}
#results{background:#f4f7f5;border:1px solid #c9d6cf;padding:.5em 1em;margin:0 1.5em}
#results li{margin:.2em 0}
.muted{color:#666}
table{border-collapse:collapse;width:100%}
td,th{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #e3e3e3}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{font-weight:600}dd{margin:0}
.enc{display:inline-block;padding:0 .5em;border-radius:3px;font-size:90%;color:#fff}
.enc-encoded{background:#2e7d32}.enc-manual_review{background:#a86b00}.enc-not_encoded{background:#c62828}
.status{font-weight:600}
.st-passed{color:#2e7d32}.st-failed{color:#c62828}
blockquote{margin:.4em 0;padding:.2em 1em;border-left:4px solid #c9d6cf;background:#fafafa}
pre{background:#f6f6f6;padding:.5em;overflow:auto;font-size:13px}
.constraint{border:1px solid #e3e3e3;border-radius:4px;padding:.4em .8em;margin:.5em 0}
nav.pager{display:flex;justify-content:space-between;margin-top:2em}
"""

SEARCH_JS = """\
// carboncert docs: client-side search over search-index.js (window.CARBONCERT_SEARCH). No network.
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "";
  var entries = window.CARBONCERT_SEARCH || [];
  var input = document.getElementById("search");
  var out = document.getElementById("results");
  if (!input || !out) { return; }
  var hay = entries.map(function (e) {
    return [e.scheme, e.version, e.id, e.category, e.encoding, e.zh, e.en].join(" \\u0001 ").toLowerCase();
  });
  var LIMIT = 100;
  function render() {
    var q = input.value.toLowerCase().trim();
    while (out.firstChild) { out.removeChild(out.firstChild); }
    if (!q) { out.hidden = true; return; }
    out.hidden = false;
    var terms = q.split(/\\s+/), list = document.createElement("ol"), found = 0;
    for (var i = 0; i < entries.length; i++) {
      var h = hay[i], ok = true;
      for (var t = 0; t < terms.length; t++) { if (h.indexOf(terms[t]) < 0) { ok = false; break; } }
      if (!ok) { continue; }
      found++;
      if (found > LIMIT) { continue; }
      var e = entries[i], li = document.createElement("li"), a = document.createElement("a");
      a.href = root + e.url;
      a.textContent = e.scheme + " " + e.version + " " + e.id;
      li.appendChild(a);
      var span = document.createElement("span");
      span.className = "muted";
      span.textContent = " [" + e.category + ", " + e.encoding + "] " + e.en + " " + e.zh;
      li.appendChild(span);
      list.appendChild(li);
    }
    var p = document.createElement("p");
    p.textContent = found === 0 ? "No clause matches." :
      found + " clause(s)" + (found > LIMIT ? ", the first " + LIMIT + " shown" : "");
    out.appendChild(p);
    out.appendChild(list);
  }
  input.addEventListener("input", render);
  var m = /[?&]q=([^&]*)/.exec(window.location.search);
  if (m) { input.value = decodeURIComponent(m[1].replace(/\\+/g, " ")); }
  render();
})();
"""


def e(text) -> str:
    return html.escape(str(text), quote=True)


def _bi(texts: dict[str, str], block: bool = False) -> str:
    """Chinese and English side by side (each marked with its language)."""
    parts = []
    for lang in ("zh", "en"):
        if texts.get(lang):
            body = e(texts[lang]).replace("\n", "<br>")
            if block:
                parts.append(f'<blockquote lang="{"zh-Hans" if lang == "zh" else "en"}">{body}</blockquote>')
            else:
                parts.append(f'<div lang="{"zh-Hans" if lang == "zh" else "en"}">{body}</div>')
    return "\n".join(parts)


def _page(title: str, root: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en" data-root="{e(root)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(title)}</title>\n'
        f'<link rel="stylesheet" href="{e(root)}style.css">\n</head>\n<body>\n'
        f'<header><a href="{e(root)}index.html">carboncert rulebooks</a>\n'
        f'<input id="search" type="search" placeholder="Search clauses: id, 中文, English, category…" '
        f'aria-label="Search clauses" autocomplete="off"></header>\n<div id="results" hidden></div>\n'
        f'<main>\n{body}\n</main>\n'
        f'<script src="{e(root)}search-index.js"></script>\n<script src="{e(root)}search.js"></script>\n'
        f'</body>\n</html>\n')


def _enc(encoding: str) -> str:
    return f'<span class="enc enc-{e(encoding)}">{e(ENCODING_LABEL.get(encoding, encoding))}</span>'


def _counts(v: rulebooks.RulebookVersion) -> str:
    counts = {k: 0 for k in ENCODING_LABEL}
    for enc in v.encoding.values():
        counts[enc] = counts.get(enc, 0) + 1
    return ", ".join(f"{ENCODING_LABEL.get(k, k)} {n}" for k, n in counts.items())


def _index_page(all_versions: list[rulebooks.RulebookVersion]) -> str:
    rows = []
    for v in all_versions:
        title = " / ".join(e(t) for t in (v.title.get("zh"), v.title.get("en")) if t)
        rows.append(
            f'<tr><td>{e(v.scheme)}</td><td><a href="{version_dir(v.scheme, v.slug)}index.html">{e(_label(v))}</a>'
            f'</td><td>{e(v.doc_no or "(no number)")}</td>'
            f'<td>{e(v.effective.isoformat() if v.effective else "—")}</td><td>{title}</td>'
            f'<td>{len(v.clauses)}: {e(_counts(v))}</td></tr>')
    body = ("<h1>Rulebooks</h1>\n<p>Every clause of every rulebook version: its text, whether and how it is "
            "checked, the reading applied, the reviewer's checklist line and the clause tests. Use the search box "
            "above (all terms must match).</p>\n<table>\n<tr><th>scheme</th><th>version</th><th>document</th>"
            "<th>effective</th><th>title</th><th>clauses</th></tr>\n" + "\n".join(rows) + "\n</table>")
    return _page("carboncert rulebooks", "", body)


def _version_page(v: rulebooks.RulebookVersion, warning: str) -> str:
    by_cat: dict[str, list] = defaultdict(list)
    for c in v.clauses:
        by_cat[c.category].append(c)
    toc = " · ".join(f'<a href="#cat-{e(cat)}">{e(cat)}</a> ({len(by_cat[cat])})' for cat in sorted(by_cat))
    parts = [f"<h1>{e(v.scheme)} {e(_label(v))}</h1>", _bi(v.title),
             "<dl>", f"<dt>document</dt><dd>{e(v.doc_no or '(no number printed)')}</dd>",
             f"<dt>effective</dt><dd>{e(v.effective.isoformat() if v.effective else 'no printed date')}</dd>",
             f"<dt>folder</dt><dd>shapes/{e(v.scheme)}/{e(v.slug)}/</dd>",
             f"<dt>shapes digest</dt><dd><code>{e(v.digest)}</code></dd>",
             f"<dt>clauses</dt><dd>{len(v.clauses)}: {e(_counts(v))}</dd>", "</dl>"]
    if warning:
        parts.append(f'<p class="st-failed">{e(warning)}</p>')
    parts.append(f"<p>{toc}</p>")
    for cat in sorted(by_cat):
        parts.append(f'<h2 id="cat-{e(cat)}">{e(cat)}</h2>\n<table>\n<tr><th>clause</th><th>encoding</th>'
                     "<th>checkable</th><th>severity</th><th>statement</th></tr>")
        for c in by_cat[cat]:
            parts.append(f'<tr><td><a href="clauses/{clause_file(c.id)}">{e(c.id)}</a></td><td>{_enc(v.encoding[c.id])}'
                         f"</td><td>{e(c.checkable)}</td><td>{e(c.severity)}</td><td>{e(c.statement_en)}"
                         f'<div class="muted" lang="zh-Hans">{e(c.text_zh)}</div></td></tr>')
        parts.append("</table>")
    return _page(f"{v.scheme} {_label(v)} — carboncert", "../../", "\n".join(parts))


def _test_block(t: clausetests.ClauseTest, cid: str) -> str:
    status = t.expect[cid]
    lines = [f'<li><b>{e(t.name)}</b> — expected <span class="status st-{e(status)}">{e(status)}</span>'
             f' <span class="muted">({e(t.file.name)} #{t.index})</span>']
    if len(t.expect) > 1:
        others = ", ".join(f"{k}: {s}" for k, s in t.expect.items() if k != cid)
        lines.append(f'<div class="muted">also expects {e(others)}</div>')
    if t.todo:
        lines.append(f"<div>pending (todo): {e(t.todo)}</div>")
    if t.as_of:
        lines.append(f"<div>as of {e(t.as_of.isoformat())}</div>")
    if t.readings:
        lines.append(f"<div>readings: {e(', '.join(f'{k}={o}' for k, o in sorted(t.readings.items())))}</div>")
    if "case" in t.meta:
        lines.append(f"<div>a whole case:</div><pre>{e(_json(t.meta['case']))}</pre>")
    elif t.meta.get("patch"):
        lines.append(f"<div>patch over the example case:</div><pre>{e(_json(t.meta['patch']))}</pre>")
    else:
        lines.append("<div>the example case unchanged</div>")
    lines.append("</li>")
    return "\n".join(lines)


def _clause_page(v: rulebooks.RulebookVersion, index: int, tests: list, rule_texts: dict) -> str:
    c = v.clauses[index]
    cid = c.id
    enc = v.encoding[cid]
    parts = [f'<p><a href="../index.html">{e(v.scheme)} {e(_label(v))}</a> › '
             f'<a href="../index.html#cat-{e(c.category)}">{e(c.category)}</a></p>',
             f"<h1>{e(cid)}</h1>",
             _bi({"zh": c.text_zh, "en": c.statement_en}, block=True),
             "<dl>",
             f"<dt>clause</dt><dd><code>{e(cid)}</code></dd>",
             f"<dt>category</dt><dd>{e(c.category)}</dd>",
             f"<dt>checkable</dt><dd>{e(c.checkable)}</dd>",
             f"<dt>severity</dt><dd>{e(c.severity)}</dd>",
             f"<dt>encoding</dt><dd>{_enc(enc)}</dd>"]
    parts += [f"<dt>{label}</dt><dd>{e(value)}</dd>" for label, value in
              (("applies when", c.applies_when), ("check (inventory)", c.check), ("notes", c.notes)) if value]
    parts.append("</dl>")

    constraints = _constraints(v, cid)
    parts.append("<h2>What is checked</h2>")
    if constraints:
        for item in constraints:
            head = e(item["kind"])
            if item["option"]:
                head += f' <span class="muted">(reading option “{e(item["option"])}”)</span>'
            block = [f'<div class="constraint"><div><b>{head}</b></div>', _bi(item["message"])]
            if item["remedy"]:
                block.append("<div><i>remedy</i></div>" + _bi(item["remedy"]))
            if item["uses"]:
                block.append(f'<div class="muted">uses {e(", ".join(item["uses"]))}</div>')
            block.append("</div>")
            parts.append("\n".join(block))
    elif enc == "encoded":
        parts.append("<p>Shapes name this clause but carry no message.</p>")
    else:
        parts.append(f"<p>Nothing is checked automatically: the clause is {e(ENCODING_LABEL[enc])}.</p>")

    reading = v.readings.get(cid)
    options = v.reading_options.get(cid) or {}
    default = next((name for name in sorted(options) if options[name]["default"]), "")
    if default and options[default]["reading"]:  # as the report: the reading of the option applied
        reading = options[default]["reading"]
    if reading or options:
        parts.append("<h2>Reading applied</h2>")
        if default:
            parts.append(f"<p>By default, reading option <code>{e(default)}</code>:</p>")
        if reading:
            parts.append(_bi(reading, block=True))
        if options:
            parts.append("<p>The rulebook leaves this clause open; alternative readings "
                         f"(<code>--reading {e(cid)}=OPTION</code>):</p>\n<table>"
                         "<tr><th>option</th><th>default</th><th>reading</th></tr>")
            for name in sorted(options):
                o = options[name]
                parts.append(f"<tr><td><code>{e(name)}</code></td><td>{'yes' if o['default'] else ''}</td>"
                             f"<td>{_bi(o['reading'])}</td></tr>")
            parts.append("</table>")

    if cid in v.manual_review:
        parts.append("<h2>Manual review checklist</h2>")
        parts.append(_bi(v.manual_review[cid], block=True))

    uses = _uses(v, cid)
    if uses:
        parts.append("<h2>Derived quantities used</h2>\n<ul>")
        for u in uses:
            files = _rule_files_for(v, u, rule_texts)
            where = f' <span class="muted">derived in {e(", ".join(files))}</span>' if files else ""
            parts.append(f"<li><code>{e(u)}</code>{where}</li>")
        parts.append("</ul>")

    parts.append("<h2>Examples from the clause tests</h2>")
    if not tests:
        parts.append("<p>No clause test names this clause.</p>")
    else:
        groups = [("Facts that pass", [t for t in tests if t.expect[cid] == "passed"]),
                  ("Facts that fail", [t for t in tests if t.expect[cid] == "failed"]),
                  ("Other outcomes", [t for t in tests if t.expect[cid] not in ("passed", "failed")])]
        for title, group in groups:
            if group:
                parts.append(f"<h3>{e(title)}</h3>\n<ul>")
                parts.extend(_test_block(t, cid) for t in group)
                parts.append("</ul>")

    prev_link = (f'<a href="{clause_file(v.clauses[index - 1].id)}">‹ {e(v.clauses[index - 1].id)}</a>'
                 if index > 0 else "<span></span>")
    next_link = (f'<a href="{clause_file(v.clauses[index + 1].id)}">{e(v.clauses[index + 1].id)} ›</a>'
                 if index + 1 < len(v.clauses) else "<span></span>")
    parts.append(f'<nav class="pager">{prev_link}{next_link}</nav>')
    return _page(f"{cid} — {v.scheme} {_label(v)}", "../../../", "\n".join(parts))


# ------------------------------------------------------------------------------------------ build

def search_entries(all_versions: list[rulebooks.RulebookVersion]) -> list[dict]:
    return [{"scheme": v.scheme, "version": _label(v), "slug": v.slug, "id": c.id, "category": c.category,
             "encoding": v.encoding[c.id], "checkable": c.checkable, "zh": c.text_zh, "en": c.statement_en,
             "url": clause_path(v.scheme, v.slug, c.id)}
            for v in all_versions for c in v.clauses]


def build(out: Path, schemes: list[str] | None = None, warn=None) -> list[Path]:
    """Write the site into `out`; returns the files written (sorted). Raises rulebooks.UnknownRulebook."""
    warn = warn or (lambda msg: print(f"carboncert docs: {msg}", file=sys.stderr))
    names = sorted(set(schemes)) if schemes else sorted(rulebooks.catalogue())
    all_versions = [v for s in names for v in rulebooks.versions(s)]
    files: dict[str, str] = {}
    for v in all_versions:
        taken: dict[str, str] = {}
        for c in v.clauses:
            name = clause_file(c.id)
            if name in taken and taken[name] != c.id:  # a hash collision: never silently overwrite
                raise ValueError(f"{v.scheme} {_label(v)}: clauses {taken[name]!r} and {c.id!r} map to {name}")
            taken[name] = c.id
        by_clause, warning = _tests_by_clause(v)
        if warning:
            warn(f"{v.scheme} {_label(v)}: {warning}")
        base = f"{v.scheme}/{v.slug}/"
        files[base + "index.html"] = _version_page(v, warning)
        rule_texts: dict = {}
        for i, c in enumerate(v.clauses):
            files[f"{base}clauses/{clause_file(c.id)}"] = _clause_page(v, i, by_clause.get(c.id, []), rule_texts)
    entries = search_entries(all_versions)
    files["index.html"] = _index_page(all_versions)
    files["search-index.json"] = json.dumps({"clauses": entries}, ensure_ascii=False, indent=1) + "\n"
    files["search-index.js"] = ("window.CARBONCERT_SEARCH = " + json.dumps(entries, ensure_ascii=False)
                                + ";\n")
    files["search.js"] = SEARCH_JS
    files["style.css"] = STYLE
    written = []
    for rel in sorted(files):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel].encode("utf-8"))
        written.append(path)
    return written
