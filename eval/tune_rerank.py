"""Choose the rerank weights on the development split (never the test split).

    python -m eval.tune_rerank

Reads the standalone queries and the relevant passages of the last evaluation report
(``eval/reports/report.json``; run ``assistant eval`` first), computes the rerank features of
the fused candidates once, then searches the weights by coordinate ascent on mean reciprocal
rank plus hit@5 of the evidence. Prints the best weights and the dev/test MRR and hit@5 they give; paste
them into :data:`assistant.engine.rerank.DEFAULT` only if the test split agrees.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

from assistant.engine.query import analyse
from assistant.engine.rerank import FEATURES, Reranker, Weights
from assistant.settings import Settings
from eval.runner import build_assistant, eval_settings

GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)


def main(report: Path = Path("eval/reports/report.json")) -> None:
    settings = eval_settings(Settings())
    build_assistant(settings)
    from assistant.service import Assistant

    bot = Assistant.from_settings(settings)
    retriever = bot.retriever
    rr = Reranker(retriever.idf())
    rows = []
    for r in json.loads(report.read_text())["results"]:
        if not r["relevant"]:
            continue
        hits = retriever.fused(r["query"])[:20]
        rr.features(analyse(r["query"]), hits, lambda h: retriever.passage_terms(h.passage))
        rows.append((r["split"], [(dict(h.features), h.passage.id in r["relevant"]) for h in hits]))

    def score(w: Weights, split: str) -> tuple[float, float]:
        mrr = hit5 = 0.0
        n = 0
        for s, cands in rows:
            if s != split:
                continue
            n += 1
            ranked = sorted(cands, key=lambda c: -sum(getattr(w, f) * c[0][f] for f in FEATURES))
            for pos, (_, rel) in enumerate(ranked):
                if rel:
                    mrr += 1 / (pos + 1)
                    hit5 += pos < 5
                    break
        return mrr / max(n, 1), hit5 / max(n, 1)

    def objective(w: Weights) -> float:
        mrr, hit5 = score(w, "dev")
        return mrr + hit5  # both: the evidence first, and at least within the five shown

    best = Weights()
    best_value = objective(best)
    for _ in range(4):
        for f in FEATURES:
            for v in GRID:
                w = replace(best, **{f: v})
                value = objective(w)
                if value > best_value + 1e-9:
                    best, best_value = w, value
    print("weights:", asdict(best))
    for split in ("dev", "test"):
        print(split, "fused only: mrr {:.3f} hit@5 {:.3f}".format(*score(Weights(), split)), "| reranked: mrr {:.3f} hit@5 {:.3f}".format(*score(best, split)))


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:]))
