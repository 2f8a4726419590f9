"""One typed settings object, read from the environment (prefix ``ASSISTANT_``) and ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.config import EmbedderName, IndexConfig


class Settings(BaseSettings):
    """Everything the assistant can be configured with. See ``.env.example``."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./storage"), description="Where the assistant writes everything.")
    corpus_dir: Path = Field(Path("./data/corpus"), description="Default folder for `assistant ingest`.")
    collection: str = Field("passages", min_length=3, description="Chroma collection name.")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; unset = embedded.")

    embedder: EmbedderName = "onnx"
    model_cache: Path | None = Field(None, description="Where the exported ONNX model lives; default <data_dir>/models.")
    embed_batch_size: int = Field(16, ge=1, le=256)

    chunk_tokens: int = Field(200, ge=32, le=250, description="Passage size in embedder word pieces.")
    chunk_overlap: int = Field(32, ge=0, le=128)

    top_k: int = Field(5, ge=1, le=50, description="Passages handed to the generator.")
    candidates: int = Field(30, ge=5, le=200, description="Candidates per retriever before fusion.")
    rerank: bool = Field(True, description="Rerank fused candidates by term coverage, best sentence and embedding similarity.")
    abstain_threshold: float = Field(0.2, ge=0.0, le=1.0, description="Evidence score below which the answer abstains (calibrated on the eval dev split).")

    generator: Literal["extractive", "openai", "ollama", "llamacpp"] = "extractive"
    llm_base_url: str = "http://127.0.0.1:11434/v1"
    llm_model: str = "llama3.2"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(30.0, gt=0)
    llm_retries: int = Field(1, ge=0, le=5)
    llamacpp_model_path: Path | None = Field(None, description="A GGUF model for ASSISTANT_GENERATOR=llamacpp; unset = the one `assistant prepare --llm` fetched.")
    llamacpp_threads: int = Field(0, ge=0, le=64, description="CPU threads for llama.cpp; 0 = every core (at most 8) to read the prompt, one fewer to generate.")
    llamacpp_context: int = Field(4096, ge=512, le=131072, description="llama.cpp context window in tokens.")

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    api_key: SecretStr | None = None
    max_upload_mb: int = Field(20, ge=1)

    @property
    def index(self) -> IndexConfig:
        """The part documents-in needs (``index/`` never reads these settings itself)."""
        return IndexConfig(
            data_dir=self.data_dir, collection=self.collection, chroma_url=self.chroma_url, embedder=self.embedder,
            model_cache=self.model_cache, embed_batch_size=self.embed_batch_size,
            chunk_tokens=self.chunk_tokens, chunk_overlap=self.chunk_overlap,
        )

    @property
    def chroma_dir(self) -> Path:
        return self.index.chroma_dir

    @property
    def catalog_path(self) -> Path:
        return self.index.catalog_path

    @property
    def keyword_dir(self) -> Path:
        return self.index.keyword_dir

    @property
    def model_dir(self) -> Path:
        return self.index.model_dir
