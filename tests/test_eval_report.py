"""The evaluation's additions for language models: a spread sample of the set and the
generators' comparison table in the reports."""

from __future__ import annotations

from eval import report
from eval.dataset import load_items
from eval.runner import spread


def test_a_limit_spreads_over_the_set() -> None:
    items = load_items()
    some = spread(items, 12)
    assert len(some) == 12 and len({i.id for i in some}) == 12
    assert len({i.type for i in some}) >= 4  # not just the first type in file order
    assert spread(items, None) == list(items) and spread(items, 10_000) == list(items)


def test_the_report_shows_the_generators_side_by_side() -> None:
    metrics = {"key_fact_accuracy": 0.5, "citation_precision": 0.9, "abstention_correct": 0.7,
               "false_refusal_rate": 0.2, "first_token_p50_ms": 2500.0, "latency_p50_ms": 9000.0,
               "latency_p95_ms": 20000.0, "n": 10}
    data = {"generator": "llamacpp", "model": "SmolLM2-135M-Instruct.Q4_1.gguf", "items": 10,
            "metrics": {"dev": metrics, "test": metrics, "all": metrics}, "baselines": {},
            "generators": {"llamacpp (SmolLM2-135M-Instruct.Q4_1.gguf)": metrics, "extractive": metrics | {"first_token_p50_ms": 12.0}},
            "breakdown": {k: {} for k in ("type", "document", "turn", "wording")}, "results": []}
    md = report.markdown(data)
    assert "llamacpp SmolLM2-135M-Instruct.Q4_1.gguf generator" in md
    assert "| llamacpp (SmolLM2-135M-Instruct.Q4_1.gguf) | 0.500 | 0.900 | 0.700 | 0.200 | 2500.0 | 9000.0 | 20000.0 | – |" in md
    assert "| extractive |" in md and "12.0" in md
    assert "Generators on the same 10 items" in report.html_page(data)


def test_a_key_fact_of_punctuation_only_is_looked_for_as_written() -> None:
    from eval.metrics import key_facts_ok

    facts = (('"',), ("'",))
    assert key_facts_ok("The characters (\") and (') are also translated.", facts)
    assert not key_facts_ok("The characters & and < are translated.", facts)


def test_a_turn_the_generator_failed_on_is_an_error_not_an_answer() -> None:
    from eval.metrics import TurnResult, summarize

    def turn(**kw):  # type: ignore[no-untyped-def]
        base = dict(item_id="x", turn=0, type="fact", split="dev", source="a", paraphrased=False, near_miss=False,
                    answerable=True, question="q", query="q", expected="", answer="", abstained=False,
                    key_facts_ok=True, cited_supported=1, cited_total=1, evidence_cited=True, ranking=[], relevant=[])
        return TurnResult(**(base | kw))

    m = summarize([turn(), turn(error="timed out", key_facts_ok=False, answer="error: timed out")])
    assert m["errors"] == 1 and m["key_fact_accuracy"] == 1.0 and m["n"] == 2


def test_the_gate_forgives_one_borderline_turn_but_not_two() -> None:
    from eval.runner import regressions

    def data(recall: float) -> dict:  # type: ignore[type-arg]
        results = [dict(item_id=f"u{i}", turn=0, type="unanswerable", split="test", source="", paraphrased=False,
                        near_miss=True, answerable=False, question="q", query="q", expected="", answer="",
                        abstained=True, key_facts_ok=True, cited_supported=0, cited_total=0, evidence_cited=False,
                        ranking=[], relevant=[]) for i in range(17)]
        metrics = {"abstention_recall": recall}
        return {"collections": {"c": {"metrics": {"dev": {}, "test": metrics}, "results": results}}}

    base = {"collections": {"c": {"metrics": {"dev": {}, "test": {"abstention_recall": 0.7647}}, "correct": {}}}}
    assert regressions(data(0.7059), base) == []  # one of 17 turns
    assert regressions(data(0.6471), base)  # two


def test_an_answer_with_a_clause_cut_off_is_not_clean() -> None:
    from eval.metrics import is_clean

    assert not is_clean("Three achievements were announced:. [1]")
    assert not is_clean("A core element of institutional opening-up,. [1]")
    assert is_clean("The bytes object produced by pack(format, ...) is returned. [1]")  # an ellipsis
    assert is_clean("```\nx = a[:,.5]\n```\nThat is the slice. [1]")  # code is quoted as written
