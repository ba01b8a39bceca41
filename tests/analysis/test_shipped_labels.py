"""Co-clusterings shipped with the sample models (store/shipped_stats.py `ShippedLabels`,
docs/analysis.md "Shipped statistics").

- The labels a sample ships for its default view (k = 8, 300 words) are what the service's
  co-clustering computes now from the shipped input: word and unit labels, links, strengths, order.
- The service serves them without fitting anything (so without importing SciPy), and only for
  exactly the co-clustering they were fitted for: another k, or another matrix, is computed.
"""

import numpy as np
import pytest
import rnnlens.service as service_module
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import DEFAULT_CLUSTERS, DEFAULT_WORDS, AnalysisService, cocluster_rows, fit_cocluster

from tests.analysis.test_shipped_statistics import _forbid_corpus

SHIPPING_LABELS = ["brown-lstm", "brown-gru", "brown-rnn"]


class Fitted(Exception):
    pass


def _fresh(tmp_path) -> AnalysisService:
    return AnalysisService(ModelRegistry([]), cache_root=tmp_path / "cache")


def _fit_now(service: AnalysisService, model: str, k: int):
    """The co-clustering of the model's default view computed here, from the statistics served."""
    loaded = service.model(model)
    layer, state = loaded.num_layers, loaded.default_state
    stats = service.statistics(model, states=[f"layer{layer}.{state}"]).stats
    rows = cocluster_rows(stats)
    matrix = stats.mean[f"layer{layer}.{state}"][rows].astype(np.float64)
    result, _ = fit_cocluster(matrix, [stats.word(r) for r in rows], k, layer, state, 0)
    return result


def _same(served, computed) -> None:
    assert served.words == computed.words
    np.testing.assert_array_equal(served.word_labels, computed.word_labels)
    np.testing.assert_array_equal(served.unit_labels, computed.unit_labels)
    np.testing.assert_array_equal(served.links, computed.links)
    np.testing.assert_array_equal(served.word_strength, computed.word_strength)
    np.testing.assert_array_equal(served.unit_strength, computed.unit_strength)
    assert served.order == computed.order and served.k == computed.k


@pytest.mark.parametrize("model", SHIPPING_LABELS)
def test_the_shipped_labels_are_what_the_service_computes_now(model, tmp_path, monkeypatch):
    service = _fresh(tmp_path)
    _forbid_corpus(service, monkeypatch)

    def refuse(*args, **kwargs):
        raise Fitted("the default view was co-clustered, not served from the shipped labels")

    with monkeypatch.context() as patched:
        patched.setattr(service_module, "fit_cocluster", refuse)
        served = service.cocluster(model)

    assert len(served.words) == DEFAULT_WORDS and served.k == DEFAULT_CLUSTERS
    _same(served, _fit_now(service, model, DEFAULT_CLUSTERS))


def test_another_k_is_computed_and_matches_a_fresh_fit(tmp_path, monkeypatch):
    service = _fresh(tmp_path)
    _forbid_corpus(service, monkeypatch)
    fits = []
    real = service_module.fit_cocluster
    monkeypatch.setattr(service_module, "fit_cocluster", lambda *args: fits.append(args[2]) or real(*args))

    service.cocluster("brown-lstm")
    served = service.cocluster("brown-lstm", k=6)

    assert fits == [6]
    _same(served, _fit_now(service, "brown-lstm", 6))


def test_labels_are_not_served_for_a_matrix_other_than_the_one_they_were_fitted_to(tmp_path, monkeypatch):
    service = _fresh(tmp_path)
    _forbid_corpus(service, monkeypatch)
    statistics = service.statistics("brown-lstm", states=["layer2.c"])
    rows = cocluster_rows(statistics.stats)
    [labels] = service._shipped_labels[statistics.key]
    matrix = statistics.stats.mean["layer2.c"][rows]
    assert labels.fits("layer2.c", 8, 300, 0, statistics.stats.row_ids[rows], matrix)

    nudged = matrix.copy()
    nudged[0, 0] = np.nextafter(nudged[0, 0], np.float32(np.inf))
    assert not labels.fits("layer2.c", 8, 300, 0, statistics.stats.row_ids[rows], nudged)
    assert not labels.fits("layer2.c", 7, 300, 0, statistics.stats.row_ids[rows], matrix)
    assert not labels.fits("layer2.c", 8, 300, 1, statistics.stats.row_ids[rows], matrix)
    assert not labels.fits("layer1.c", 8, 300, 0, statistics.stats.row_ids[rows], matrix)
    assert not labels.fits("layer2.c", 8, 300, 0, statistics.stats.row_ids[rows][::-1], matrix)
    # Labels fitted by another co-clustering method (or by a record from before methods were named).
    from dataclasses import replace

    assert not replace(labels, method="").fits("layer2.c", 8, 300, 0, statistics.stats.row_ids[rows], matrix)
