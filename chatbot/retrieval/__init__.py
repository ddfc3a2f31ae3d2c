"""Retrieval: BM25+ over passages, rerank features and the saved index."""
