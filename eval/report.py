"""Reports of an evaluation run: JSON for machines, Markdown for terminals and pull requests,
and one self-contained HTML page (inline SVG charts, no scripts, nothing fetched)."""

from __future__ import annotations

import html
import json
from pathlib import Path

HEADLINE = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "key_fact_accuracy", "citation_precision",
            "citation_recall", "abstention_correct", "abstention_recall", "abstention_precision",
            "false_refusal_rate", "clean_answers", "highlights_ok", "latency_p50_ms", "latency_p95_ms", "n")
COMPARED = ("key_fact_accuracy", "citation_precision", "abstention_correct", "false_refusal_rate",
            "first_token_p50_ms", "latency_p50_ms", "latency_p95_ms", "errors")
TARGETS = {"hit@5": 0.97, "mrr": 0.85, "key_fact_accuracy": 0.85, "abstention_correct": 0.9,
           "abstention_recall": 0.8, "false_refusal_rate": "≤ 0.03", "latency_p95_ms": "≤ 80"}


def _fmt(v: float | None, metric: str = "") -> str:
    if v is None:
        return "–"
    if metric.endswith("_ms"):
        return f"{v:.1f}"
    if metric in ("n", "errors"):
        return str(int(v))
    return f"{v:.3f}"


def markdown(data: dict, brief: bool = False) -> str:  # type: ignore[type-arg]
    m = data["metrics"]
    model = f" {data['model']}" if data.get("model") else ""
    lines = [f"# Evaluation: {data.get('collection', 'standards')} ({data['generator']}{model} generator, {data['items']} items)", "",
             "| metric | dev | test | target (test) |", "|---|---|---|---|"]
    for k in HEADLINE:
        lines.append(f"| {k} | {_fmt(m['dev'].get(k), k)} | {_fmt(m['test'].get(k), k)} | {TARGETS.get(k, '')} |")
    if data.get("generators"):
        lines += ["", f"## Generators on the same {data['items']} items (all splits)", "",
                  "| generator | key facts | citation precision | abstention correct | false refusals | first piece p50 ms | total p50 ms | total p95 ms |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, v in data["generators"].items():
            lines.append("| " + " | ".join([name] + [_fmt(v.get(k), k) for k in COMPARED]) + " |")
    if data.get("baselines"):
        lines += ["", "## Retrieval beside the baselines (test split)", "", "| system | hit@1 | hit@5 | hit@10 | mrr | ndcg@10 |", "|---|---|---|---|---|---|"]
        rows = {"this project": m["test"]} | {k: v.get("test", {}) for k, v in data["baselines"].items()}
        for name, v in rows.items():
            if "error" in v:
                lines.append(f"| {name} | unavailable: {v['error']} |||||")
                continue
            lines.append("| " + " | ".join([name] + [_fmt(v.get(k)) for k in ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10")]) + " |")
    if brief:
        return "\n".join(lines)
    for title, key in (("By type", "type"), ("By document", "document"), ("First turns and follow-ups", "turn"), ("By wording", "wording")):
        groups = data["breakdown"][key]
        lines += ["", f"## {title}", "", "| group | n | hit@5 | mrr | key facts | abstention correct | false refusals |", "|---|---|---|---|---|---|---|"]
        for g, v in groups.items():
            lines.append(f"| {g} | {_fmt(v.get('n'), 'n')} | {_fmt(v.get('hit@5'))} | {_fmt(v.get('mrr'))} | {_fmt(v.get('key_fact_accuracy'))} | {_fmt(v.get('abstention_correct'))} | {_fmt(v.get('false_refusal_rate'))} |")
    failed = [r for r in data["results"] if not _correct(r)]
    lines += ["", f"## Failed questions ({len(failed)})", ""]
    for r in failed:
        why = _why(r)
        lines.append(f"- **{r['item_id']}#{r['turn']}** ({r['type']}, {r['split']}) {r['question']} — {why}")
    return "\n".join(lines)


def _correct(r: dict) -> bool:  # type: ignore[type-arg]
    return r["abstained"] if not r["answerable"] else (not r["abstained"] and r["key_facts_ok"])


def _why(r: dict) -> str:  # type: ignore[type-arg]
    verdict = f" [check: {r['verdict']}]" if r.get("verdict") else ""
    if not r["answerable"]:
        return "answered an unanswerable question" + verdict
    if r["abstained"]:
        return "refused although the documents answer it" + ("" if set(r["relevant"]) & set(r["ranking"][:5]) else " (evidence not retrieved)") + verdict
    if not set(r["relevant"]) & set(r["ranking"][:5]):
        return "evidence not in the top 5"
    if r.get("evidence_cited"):
        return "the evidence is cited, but the quoted units miss a key fact"
    return "evidence retrieved, but a neighbouring unit was quoted instead"


def _bars(title: str, groups: dict[str, float], width: int = 520) -> str:
    rows = list(groups.items())
    h = 22 * len(rows) + 30
    out = [f'<svg role="img" aria-label="{html.escape(title)}" width="{width}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    for i, (name, v) in enumerate(rows):
        y = 24 + 22 * i
        w = max(0.0, min(1.0, v)) * (width - 260)
        out.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(name[:30])}</text>')
        out.append(f'<rect x="200" y="{y}" width="{w:.1f}" height="16" fill="#4a7bd0"/>')
        out.append(f'<text x="{205 + w:.1f}" y="{y + 13}" font-size="12">{v:.2f}</text>')
    out.append("</svg>")
    return "".join(out)


def html_page(data: dict) -> str:  # type: ignore[type-arg]
    m = data["metrics"]
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Evaluation</title>",
             "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}</style></head><body>",
             f"<h1>Evaluation: {html.escape(data['generator'])} generator, {data['items']} items</h1>",
             "<table><tr><th>metric</th><th>dev</th><th>test</th><th>target</th></tr>"]
    for k in HEADLINE:
        parts.append(f"<tr><td>{k}</td><td>{_fmt(m['dev'].get(k), k)}</td><td>{_fmt(m['test'].get(k), k)}</td><td>{TARGETS.get(k, '')}</td></tr>")
    parts.append("</table>")
    if data.get("generators"):
        parts.append(f"<h2>Generators on the same {data['items']} items</h2><table><tr><th>generator</th>"
                     + "".join(f"<th>{k}</th>" for k in COMPARED) + "</tr>")
        for name, v in data["generators"].items():
            parts.append(f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{_fmt(v.get(k), k)}</td>" for k in COMPARED) + "</tr>")
        parts.append("</table>")
    for key in ("type", "document", "turn"):
        groups = data["breakdown"][key]
        parts.append(_bars(f"key-fact accuracy / abstention by {key}", {g: (v.get("key_fact_accuracy") if v.get("key_fact_accuracy") is not None else v.get("abstention_correct", 0.0)) for g, v in groups.items()}))
        parts.append(_bars(f"hit@5 by {key}", {g: v.get("hit@5", 0.0) for g, v in groups.items() if "hit@5" in v}))
    systems = {"this project": m["test"]} | {k: v.get("test", {}) for k, v in data.get("baselines", {}).items() if "error" not in v}
    for metric in ("hit@5", "mrr", "ndcg@10"):
        parts.append(_bars(f"{metric}: this project beside the baselines (test)", {k: v.get(metric, 0.0) for k, v in systems.items()}))
    failed = [r for r in data["results"] if not _correct(r)]
    parts.append(f"<h2>Failed questions ({len(failed)})</h2><table><tr><th>item</th><th>question</th><th>expected</th><th>answer</th><th>why</th><th>retrieved (top 3)</th></tr>")
    for r in failed:
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in (
            f"{r['item_id']}#{r['turn']} ({r['type']}, {r['split']})", r["question"], r["expected"], r["answer"], _why(r),
            " ‖ ".join(r.get("retrieved_preview", [])))) + "</tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def write_all(data: dict, out: Path) -> list[Path]:  # type: ignore[type-arg]
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(data, indent=1, default=float))
    paths[1].write_text(markdown(data))
    paths[2].write_text(html_page(data))
    return paths
