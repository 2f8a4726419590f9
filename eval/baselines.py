"""What a user would otherwise build, run on the same questions for the report:
keyword search alone (our BM25 index), and a plain LlamaIndex pipeline with its defaults
(SimpleDirectoryReader, default SentenceSplitter, in-memory VectorStoreIndex) and the same
packaged embedder. Both are scored on retrieval only: neither writes answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.keyword import KeywordIndex

Ranker = Callable[[str, int], list[tuple[str, str]]]  # (passage id, text) best first


def keyword_ranker(keyword: KeywordIndex, texts: dict[str, str]) -> Ranker:
    def rank(question: str, k: int) -> list[tuple[str, str]]:
        return [(pid, texts[pid]) for pid, _ in keyword.search(question, k) if pid in texts]

    return rank


def llamaindex_ranker(corpus: Path) -> Ranker:
    """LlamaIndex defaults over the raw files: 1024-token chunks (which the 256-word-piece
    model silently truncates), no cleaning, top-k similarity."""
    from llama_index.core import Settings as LISettings
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from index.embed.tokenizer import packaged_model_path

    LISettings.llm = None
    LISettings.embed_model = HuggingFaceEmbedding(model_name=str(packaged_model_path()), device="cpu")
    docs = SimpleDirectoryReader(str(corpus)).load_data()
    index = VectorStoreIndex.from_documents(docs)

    def rank(question: str, k: int) -> list[tuple[str, str]]:
        nodes = index.as_retriever(similarity_top_k=k).retrieve(question)
        return [(n.node.node_id, n.node.get_content()) for n in nodes]

    return rank
