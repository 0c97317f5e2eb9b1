import numpy as np

from desktop.core.models.embeddings import DIMENSIONS, get_embedder


def test_similar_sentences_are_closer_than_unrelated_ones():
    e = get_embedder()
    v = e.embed(["The cell membrane controls what enters the cell.",
                 "What passes through the membrane of a cell is regulated.",
                 "The stock market fell sharply on Tuesday."])
    assert v.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_batching_does_not_change_the_vectors():
    e = get_embedder()
    texts = [f"sentence number {i} about {'physics' if i % 2 else 'history'}" for i in range(10)]
    assert np.allclose(e.embed(texts, batch_size=3), e.embed(texts, batch_size=10), atol=1e-4)
