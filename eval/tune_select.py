"""Fit the select stage's feature weights on the development splits.

``python -m eval.tune_select`` answers every collection's dev items, and for each answerable
single-part turn collects the features of every candidate unit the select stage scored
(:data:`assistant.engine.select.FEATURES`), labelling a unit good when it holds all the turn's
key facts. It then fits a linear scorer by listwise softmax (the good units should take the
probability mass of their question), regularised towards the current weights with a strength
chosen by cross-validation over the dev turns, rescales the result so that a question's best
unit scores as much as it does now (the check and compose stages compare scores with ratios),
and prints the fitted :class:`~assistant.engine.select.Weights` with how often each weighting
puts a good unit first. The test splits are never read: copy the result into
:data:`assistant.engine.select.DEFAULT` and keep it only if the end-to-end figures on the dev
splits improve; then look at the test splits once, for the report.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from assistant.engine.compose import render
from assistant.engine.select import DEFAULT, FEATURES, Weights
from assistant.models import Message
from assistant.settings import Settings
from eval.dataset import collections, flatten, load_items
from eval.runner import build_assistant, eval_settings


@dataclass
class Question:
    features: np.ndarray  # candidates x features
    good: np.ndarray  # bool per candidate


def holds(text: str, key_facts: tuple[tuple[str, ...], ...]) -> bool:
    flat = " " + flatten(text) + " "
    return all(any(" " + flatten(a) + " " in flat for a in alts) for alts in key_facts)


def collect(split: str = "dev") -> list[Question]:
    """The candidate features of every answerable single-part turn of ``split``."""
    out: list[Question] = []
    for coll in collections():
        bot = build_assistant(eval_settings(Settings(), coll))
        for item in load_items(coll.items_dir):
            if item.split != split:
                continue
            history: list[Message] = []
            for turn in item.turns:
                answer = bot.ask(turn.question, history)
                history += [Message(role="user", content=turn.question), Message(role="assistant", content=answer.answer)]
                parts = bot.last_trace.parts if bot.last_trace else []
                if not turn.answerable or not turn.key_facts or len(parts) != 1 or not parts[0].ranked:
                    continue
                ranked = parts[0].ranked
                good = np.array([holds((c.unit.head or "") + " " + render(c.unit), turn.key_facts) for c in ranked])
                if good.any():
                    out.append(Question(np.array([c.features for c in ranked], dtype=float), good))
    return out


def top1(w: np.ndarray, qs: list[Question]) -> float:
    return float(np.mean([q.good[int(np.argmax(q.features @ w))] for q in qs])) if qs else 0.0


def fit(qs: list[Question], prior: np.ndarray, strength: float, temperature: float = 10.0) -> np.ndarray:
    """Listwise softmax: minimise -log P(good units) + strength * |w - prior|^2."""
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for q in qs:
            s = temperature * (q.features @ w)
            s -= s.max()
            p = np.exp(s)
            z = p.sum()
            pg = p[q.good].sum()
            total -= np.log(pg / z)
            # d/dw -log(pg/z) = T * (E_p[f] - E_{p|good}[f])
            grad += temperature * ((p @ q.features) / z - (p[q.good] @ q.features[q.good]) / pg)
        d = w - prior
        return total / len(qs) + strength * float(d @ d), grad / len(qs) + 2 * strength * d

    return np.asarray(minimize(loss, prior.copy(), jac=True, method="L-BFGS-B").x)


def cross_validated(qs: list[Question], prior: np.ndarray, strength: float, folds: int = 5) -> float:
    hits = 0.0
    for k in range(folds):
        train = [q for i, q in enumerate(qs) if i % folds != k]
        held = [q for i, q in enumerate(qs) if i % folds == k]
        hits += top1(fit(train, prior, strength), held) * len(held)
    return hits / len(qs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strengths", default="0.01,0.03,0.1,0.3,1")
    args = parser.parse_args()
    qs = collect("dev")
    prior = DEFAULT.vector()
    print(f"{len(qs)} dev questions with a good unit among the candidates; current weights put one first "
          f"for {top1(prior, qs):.3f}")
    scored = []
    for strength in (float(s) for s in args.strengths.split(",")):
        cv = cross_validated(qs, prior, strength)
        scored.append((cv, strength))
        print(f"strength {strength:g}: cross-validated top-1 {cv:.3f}")
    cv, strength = max(scored)
    w = fit(qs, prior, strength)
    # the same scale as now: a question's best unit scores what it does under the current weights
    now = np.mean([np.max(q.features @ prior) for q in qs])
    new = np.mean([np.max(q.features @ w) for q in qs])
    w = w * (now / new if new > 0 else 1.0)
    print(f"fitted with strength {strength:g}: dev top-1 {top1(w, qs):.3f} (cross-validated {cv:.3f})")
    print(Weights(**{f: round(float(v), 3) for f, v in zip(FEATURES, w, strict=True)}))


if __name__ == "__main__":
    main()
