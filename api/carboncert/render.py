"""The report as a reviewer reads it in a terminal: grouped by category, then a checklist."""

from __future__ import annotations

STATUS_MARK = {"failed": "✗ FAILED", "missing_information": "? MISSING", "passed": "✓ passed",
               "not_applicable": "– n/a", "manual_review": "☐ review"}
CATEGORY_ORDER = ("eligibility", "application_documents", "competence", "team_composition", "audit_time",
                  "sampling", "audit_programme", "audit_conduct", "nonconformity", "decision",
                  "certificate_content", "certificate_validity", "certificate_status", "data_quality",
                  "quantification", "reporting", "records", "impartiality")


def _categories(report: dict) -> list[str]:
    seen = {c["category"] for c in report["clauses"]}
    return [c for c in CATEGORY_ORDER if c in seen] + sorted(seen - set(CATEGORY_ORDER))


def render_text(report: dict) -> str:
    rb = report["rulebook"]
    s = report["summary"]
    lines = [
        f"carboncert report — case {report['case']}",
        f"rulebook  {report['scheme']} {rb['doc_no']} {rb['version']} (effective {rb['effective']}); {rb['applied_because']}",
        f"as of     {report['as_of']} ({report['as_of_source']})",
        f"result    {'CONFORMS 符合' if report['conforms'] else 'DOES NOT CONFORM 不符合'}",
        "summary   " + ", ".join(f"{k} {v}" for k, v in s.items()),
        f"digests   case {report['digests']['case'][:19]}…  shapes {report['digests']['shapes'][:19]}…  ({report['engine']})",
        "",
    ]
    for cat in _categories(report):
        clauses = [c for c in report["clauses"] if c["category"] == cat]
        decided = [c for c in clauses if c["status"] != "manual_review"]
        if not decided:
            continue
        counts = {}
        for c in decided:
            counts[c["status"]] = counts.get(c["status"], 0) + 1
        lines.append(f"== {cat} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
        for c in decided:
            if c["status"] in ("passed",):
                continue
            lines.append(f"  {STATUS_MARK[c['status']]:<10} {c['clause']:<14} [{c['severity']}] {c['text']['en'][:110]}")
            for f in c["findings"]:
                lines.append(f"      · {f['message']['zh']}")
                lines.append(f"        {f['message']['en']}")
                if f["values"]:
                    where = f"{f['focus_label']} {f['path']}".strip()
                    lines.append(f"        facts: {where} = {', '.join(f['values'])}")
                for step in f.get("derivation") or []:
                    lines.append(f"        推导 {step.get('zh', '')}")
                    lines.append(f"        derivation {step.get('en', '')}")
                if f["remedy"]["en"] and c["status"] != "not_applicable":
                    lines.append(f"        fix 整改: {f['remedy']['zh']} / {f['remedy']['en']}")
            if c.get("reading") and c["status"] in ("failed", "missing_information"):
                lines.append(f"        reading 解读: {c['reading'].get('en', '')}")
        lines.append("")
    checklist = [c for c in report["clauses"] if c["status"] == "manual_review" or (c.get("review") and c["status"] != "not_applicable")]
    if checklist:
        lines.append(f"== reviewer's checklist 人工复核清单 ({len(checklist)} items)")
        for cat in _categories(report):
            items = [c for c in checklist if c["category"] == cat]
            if not items:
                continue
            lines.append(f"  -- {cat}")
            for c in items:
                review = c.get("review") or c["text"]
                tag = "" if c["encoding"] != "not_encoded" else " (not yet encoded)"
                lines.append(f"  [ ] {c['clause']:<14} {review.get('zh', '')[:80]}")
                lines.append(f"      {'':<14} {review.get('en', '')[:120]}{tag}")
    return "\n".join(lines) + "\n"
