"""Every server sees one collection, under load (issue 13): two app servers on one data dir,
questions arriving at both all the time, documents uploaded to one and deleted through the
other; nothing is lost, no request gets a 5xx, and both answer from the last committed state.
Bounded: a fixed number of writes, askers that stop when the writes are done, loopback only."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import copy_index, live_server

ASKED = [
    "How many international standards did China lead during the 14th Five-Year Plan?",
    "What is SESEC?",
    "Who services the pumps?",
]


NAMES = ["zorblax", "quintor", "velmacor", "drabbleton", "fennixar"]
PLACES = ["Vellmar", "Ostrand", "Kelvaro", "Minthal", "Brevisk"]


def _doc(i: int) -> tuple[str, bytes, str]:
    name, place = NAMES[i - 1], PLACES[i - 1]
    text = (f"# {name.title()} maintenance guide\n\nThe {name} reactor is cooled by purple quartz crystals "
            f"mined in {place}. Technicians replace the quartz crystals every eleven weeks.\n")
    return (f"note{i}.md", text.encode(), f"What cools the {name} reactor?")


@pytest.mark.slow
def test_uploads_and_deletes_under_load_lose_nothing_and_never_fail(built_index: Any, tmp_path: Path) -> None:
    settings = copy_index(built_index, tmp_path)
    docs = [_doc(i) for i in range(1, 6)]
    with live_server(settings) as one, live_server(settings) as two:
        failures: list[str] = []
        answered = [0]
        stop = threading.Event()

        def ask(url: str) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                n = 0
                while not stop.is_set() and n < 400:
                    question = ASKED[n % len(ASKED)] if n % 2 else docs[n % len(docs)][2]
                    r = http.post("/api/ask", json={"question": question})
                    if r.status_code >= 500 or r.status_code != 200:
                        failures.append(f"ask {url}: {r.status_code} {r.text[:200]}")
                    else:
                        answered[0] += 1
                    n += 1

        askers = [threading.Thread(target=ask, args=(u,)) for u in (one, two, one, two)]
        for t in askers:
            t.start()
        writes: list[str] = []
        try:
            with httpx.Client(timeout=180) as http:
                for k, (name, data, _) in enumerate(docs):  # uploads alternate between the servers
                    r = http.post(f"{(one, two)[k % 2]}/api/documents", files={"file": (name, data, "text/markdown")})
                    writes.append(f"upload {name}: {r.status_code}")
                    if r.status_code != 201:
                        failures.append(f"upload {name}: {r.status_code} {r.text[:200]}")
                for name in ("note2.md", "note4.md"):  # deleted through the other server
                    r = http.delete(f"{two}/api/documents/{name}")
                    writes.append(f"delete {name}: {r.status_code}")
                    if r.status_code != 204:
                        failures.append(f"delete {name}: {r.status_code} {r.text[:200]}")
        finally:
            stop.set()
            for t in askers:
                t.join(timeout=300)
        assert failures == [], failures
        assert answered[0] > 0

        kept = {"note1.md", "note3.md", "note5.md"}
        for url in (one, two):
            listed = {d["source"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()}
            assert kept <= listed and not listed & {"note2.md", "note4.md"}, (url, writes)
            for i in (1, 3, 5):
                a = httpx.post(f"{url}/api/ask", json={"question": docs[i - 1][2]}, timeout=60).json()
                assert not a["abstained"] and PLACES[i - 1] in a["answer"], (url, i, a["answer"])
                assert a["citations"][0]["source"] == f"note{i}.md"
            for i in (2, 4):
                a = httpx.post(f"{url}/api/ask", json={"question": docs[i - 1][2]}, timeout=60).json()
                assert all(c["source"] != f"note{i}.md" for c in a["citations"]), (url, i)
