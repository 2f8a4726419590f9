"""Choose the select stage's weights and the abstention threshold on the development splits.

``python -m eval.tune_select`` answers every collection's dev items under a small grid of
:class:`assistant.engine.select.Weights` and thresholds and prints the best settings by
key-fact accuracy less false refusals (abstention recall breaks ties). The test splits are
never read: copy the winner into :data:`assistant.engine.select.DEFAULT` and the settings only
if it holds there too.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from assistant.engine.select import DEFAULT, Weights
from assistant.settings import Settings
from eval.dataset import collections, load_items
from eval.metrics import summarize
from eval.runner import build_assistant, eval_settings, run_items


def grid() -> list[tuple[Weights, float]]:
    out = []
    for cov, sim, near, thr in itertools.product((0.6, 0.9, 1.2), (0.3, 0.5), (0.0, 0.15), (0.2,)):
        out.append((replace(DEFAULT, coverage=cov, similarity=sim, near=near), thr))
    return out


def main() -> None:
    settings = Settings()
    bots = []
    for coll in collections():
        bot = build_assistant(eval_settings(settings, coll))
        bots.append((coll.name, bot, [i for i in load_items(coll.items_dir) if i.split == "dev"]))
    rows = []
    for weights, threshold in grid():
        figures = []
        for name, bot, items in bots:
            bot.selector.weights = weights
            bot.settings = bot.settings.model_copy(update={"abstain_threshold": threshold})
            m = summarize(run_items(bot, items, collection=name))
            figures.append(m)
        kf = sum(m.get("key_fact_accuracy", 0) for m in figures) / len(figures)
        fr = sum(m.get("false_refusal_rate", 0) for m in figures) / len(figures)
        ar = sum(m.get("abstention_recall", 0) for m in figures) / len(figures)
        rows.append((kf - fr, ar, kf, fr, weights, threshold))
        print(f"kf {kf:.3f} fr {fr:.3f} ar {ar:.3f}  {weights} thr {threshold}", flush=True)
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    print("best:", rows[0])


if __name__ == "__main__":
    main()
