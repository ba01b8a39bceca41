"""Statistics shipped with the sample models (store/shipped_stats.py, docs/analysis.md "Shipped statistics").

- A fresh install (empty cache, no corpus fetched) co-clusters and profiles words of a sample model's
  default view without evaluating or even reading a corpus, and says the numbers were shipped.
- What ships is what the service computes: recomputed from the corpus, equal within float16
  (the co-clustering input and so the clusters exactly).
- Shipped statistics that do not fit (other weights, tokenizer or engine, a damaged file) are ignored.
- What is not shipped (percentiles, other layers) is evaluated on demand, with progress.
"""

import dataclasses
import functools
import shutil
from pathlib import Path

import numpy as np
import pytest
import rnnlens.service as service_module
import torch
from rnnlens.analysis.provenance import Provenance
from rnnlens.data import sources
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.models.registry import ModelRegistry
from rnnlens.models.storage import load_network, read_card, save_model
from rnnlens.paths import SAMPLE_MODELS_DIR
from rnnlens.service import AnalysisService
from rnnlens.store.shipped_stats import ARRAYS, RECORD, SHIPPED

SAMPLE = "rt-gru"  # the quickest sample to evaluate (27k tokens)
VIEW = "layer1.h"


class Evaluated(Exception):
    pass


def _forbid_corpus(service: AnalysisService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any evaluation, or any read of a corpus, fails the test."""
    def refuse(*args, **kwargs):
        raise Evaluated("the corpus was read or evaluated")

    monkeypatch.setattr(service, "_compute_stats", refuse)
    monkeypatch.setattr(service_module, "resolve_corpus", refuse)


def _fresh(tmp_path: Path, paths: list[Path] | None = None) -> AnalysisService:
    return AnalysisService(ModelRegistry(paths or []), cache_root=tmp_path / "cache")


def _copy_sample(tmp_path: Path, name: str = "rt-copy") -> Path:
    folder = tmp_path / "models" / name
    shutil.copytree(SAMPLE_MODELS_DIR / SAMPLE, folder)
    return folder


@pytest.mark.parametrize("model", ["brown-lstm", "brown-gru", "brown-rnn", "rt-gru"])
def test_a_fresh_install_clusters_a_sample_without_reading_a_corpus(model, tmp_path, monkeypatch):
    service = _fresh(tmp_path)
    _forbid_corpus(service, monkeypatch)
    result = service.cocluster(model)
    assert len(result.words) == 300
    assert result.extra["provenance"]["origin"] == SHIPPED
    word = service.explain_word(model, "the")
    assert word.count > 0 and word.mean is not None and word.std is not None
    assert word.provenance is not None and word.provenance.origin == SHIPPED
    statistics = service.statistics(model, states=[f"layer{result.layer}.{result.state}"])
    assert not statistics.complete
    assert "shipped with the sample" in statistics.provenance.short()


def test_provenance_names_the_origin_only_when_shipped():
    here = Provenance("m", "abc", "brown", "test", 10, 5, 0.1, "tok@1")
    assert "origin" not in here.to_json()  # absent on the wire, not null: the protocol's record is unchanged
    shipped = dataclasses.replace(here, origin=SHIPPED)
    assert shipped.to_json()["origin"] == SHIPPED
    assert Provenance.from_json(shipped.to_json()) == shipped
    assert SHIPPED in shipped.header() and SHIPPED not in here.header()


def _needs_corpus(name: str) -> None:
    # scripts/setup.sh fetches every corpus: a missing one is a broken setup, not a reason to skip.
    assert sources.is_fetched(name), f"needs the {name} corpus: run rnnlens data fetch {name}"


@pytest.mark.slow
def test_shipped_statistics_are_what_the_service_computes(tmp_path, monkeypatch):
    _needs_corpus("rotten-tomatoes")
    shipped_service = _fresh(tmp_path / "a")
    _forbid_corpus(shipped_service, monkeypatch)
    shipped = shipped_service.statistics(SAMPLE, states=[VIEW])
    clusters = shipped_service.cocluster(SAMPLE)
    monkeypatch.undo()

    full_service = _fresh(tmp_path / "b")
    full = full_service.statistics(SAMPLE)  # evaluated from the corpus, here and now
    assert full.complete and not shipped.complete
    assert shipped.key == full.key
    assert shipped.stats.tokens == full.stats.tokens
    np.testing.assert_array_equal(shipped.stats.count, full.stats.count)
    for part in ("mean", "m2"):
        np.testing.assert_allclose(getattr(shipped.stats, part)[VIEW], getattr(full.stats, part)[VIEW],
                                   rtol=2 ** -10, atol=1e-7, err_msg=f"{part} beyond float16 rounding")
    again = full_service.cocluster(SAMPLE)
    assert clusters.words == again.words
    np.testing.assert_array_equal(clusters.unit_labels, again.unit_labels)
    np.testing.assert_array_equal(clusters.word_labels, again.word_labels)
    assert dataclasses.replace(shipped.provenance, origin=None) == full.provenance


@pytest.mark.slow
def test_what_is_not_shipped_is_evaluated_on_demand_with_progress(tmp_path):
    _needs_corpus("rotten-tomatoes")
    service = _fresh(tmp_path)
    assert service.cocluster(SAMPLE).extra["provenance"]["origin"] == SHIPPED
    messages: list[str] = []
    unit = service.explain_unit(SAMPLE, 1, "h", 0, progress=lambda fraction, message: messages.append(message))
    assert any(m.startswith("evaluating rt-gru") for m in messages)
    assert unit.provenance is not None and unit.provenance.origin is None  # now computed here
    assert service.statistics(SAMPLE).complete


def _nudge_weights(folder: Path) -> None:
    network, _ = load_network(folder)
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.mul_(1.0 + 1e-3)
    save_model(folder, network, Vocabulary.load(folder / "vocab.json"), card=read_card(folder / "card.json"))


def _damage(folder: Path) -> None:
    data = bytearray((folder / ARRAYS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / ARRAYS).write_bytes(data)


@pytest.mark.parametrize("spoil", ["weights", "tokenizer", "engine", "damaged"])
def test_shipped_statistics_that_do_not_fit_are_ignored(spoil, tmp_path, monkeypatch):
    folder = _copy_sample(tmp_path)
    if spoil == "weights":
        _nudge_weights(folder)
        assert (folder / RECORD).exists()
    elif spoil == "engine":
        monkeypatch.setattr(service_module, "ENGINE_VERSION", service_module.ENGINE_VERSION + 1)
    elif spoil == "damaged":
        _damage(folder)
    service = _fresh(tmp_path, [folder.parent])
    if spoil == "tokenizer":  # the same function with options bound: another identity (store/keys.py)
        model = service.model("rt-copy")
        model.tokenizer = functools.partial(model.tokenizer)
    _forbid_corpus(service, monkeypatch)
    with pytest.raises(Evaluated):  # not served: the service goes on to evaluate the corpus
        service.cocluster("rt-copy")
    assert any("statistics shipped with rt-copy are not used" in notice for notice in service.notices)


def test_shipped_statistics_follow_the_weights_not_the_folder_name(tmp_path, monkeypatch):
    folder = _copy_sample(tmp_path, "renamed-rt")
    service = _fresh(tmp_path, [folder.parent])
    _forbid_corpus(service, monkeypatch)
    assert service.cocluster("renamed-rt").extra["provenance"]["model"] == "renamed-rt"


def test_another_corpus_is_not_served_shipped_statistics_and_no_misfit_is_reported(tmp_path, monkeypatch):
    service = _fresh(tmp_path)
    _forbid_corpus(service, monkeypatch)
    with pytest.raises(Evaluated):
        service.cocluster(SAMPLE, corpus="rotten-tomatoes:valid")
    assert not any("shipped" in notice for notice in service.notices)
