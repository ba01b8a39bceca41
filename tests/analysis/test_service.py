"""The AnalysisService contract end to end on the tiny models (plumbing, not quality)."""

import threading

import numpy as np
import pytest
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

MODELS = ["tiny-rnn-lm", "tiny-gru-lm", "tiny-lstm-lm", "tiny-gru-classifier"]


@pytest.mark.parametrize("name", MODELS)
def test_every_contract_method_works(chosen, corpus_file, name):
    service = chosen
    statistics = service.statistics(name)
    model = service.model(name)
    assert statistics.stats.tokens > 1000 and statistics.provenance.corpus == str(corpus_file)
    result = service.cocluster(name, k=3)
    assert result.layer == 2 and result.state == model.default_state
    assert len(result.word_clusters()) == 3 and result.links.shape == (3, 3)
    labels = service.unit_labels(name, None, None, 3)
    assert np.array_equal(labels, result.unit_labels)
    analysis = service.analyze_text(name, "I love the food, though the staff is not helpful", k=3)
    data = analysis.to_json()
    assert [t["text"] for t in data["tokens"]][:4] == ["I", "love", "the", "food"]
    assert set(analysis.glyphs) == {1, 2}  # glyphs for every layer
    assert len(data["tokens"][0]["glyph"]) == 3
    if model.task == "lm":
        assert len(data["tokens"][0]["output"]["next"]) == 5
    else:
        assert sum(data["tokens"][-1]["output"]["classes"].values()) == pytest.approx(1.0, abs=1e-4)
    unit = service.explain_unit(name, None, None, 0, top=3)
    assert len(unit.positive) <= 3 and (unit.positive or unit.negative)
    assert unit.provenance == statistics.provenance
    word = service.explain_word(name, "food", k=3)
    assert word.count > 0 and word.mean is not None and len(word.mean) == model.hidden_size
    assert word.cluster in range(3) and word.provenance == statistics.provenance


def test_second_evaluation_is_served_from_the_disk_cache(tiny_models, tmp_path, corpus_file):
    first = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    stats = first.evaluate("tiny-gru-lm", [corpus_file]).stats
    second = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path,
                             corpus=[corpus_file])
    messages = []
    again = second.statistics("tiny-gru-lm", progress=lambda f, m: messages.append(m)).stats
    assert any("served from the cache" in m for m in messages)
    assert np.array_equal(again.mean["layer2.h"], stats.mean["layer2.h"])
    assert second.cocluster("tiny-gru-lm", k=2).k == 2


def test_a_corrupt_cache_entry_is_reported_and_recomputed(tiny_models, tmp_path, corpus_file):
    first = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    stats = first.evaluate("tiny-rnn-lm", [corpus_file]).stats
    for npz in (tmp_path / "stats").glob("*.npz"):
        npz.write_bytes(npz.read_bytes()[:100])
    second = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    again = second.evaluate("tiny-rnn-lm", [corpus_file]).stats
    assert any("corrupt" in n for n in second.notices)
    assert np.allclose(again.mean["layer1.h"], stats.mean["layer1.h"])
    assert list((tmp_path / "stats").glob("*.npz"))  # rewritten


def test_changing_the_weights_changes_the_cache_key(tiny_models, tmp_path, corpus_file):
    service = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    service.evaluate("tiny-rnn-lm", [corpus_file])
    service.evaluate("tiny-gru-lm", [corpus_file])
    assert len(list((tmp_path / "stats").glob("*.json"))) == 2


def test_the_same_word_in_two_contexts_gets_different_responses(chosen):
    service = chosen
    first = service.analyze_text("tiny-lstm-lm", "I love the food, though the staff is not helpful", k=3)
    second = service.analyze_text("tiny-lstm-lm", "The staff is not helpful, though I love the food", k=3)
    r1 = first.responses[[t.norm for t in first.tokens].index("though")]
    r2 = second.responses[[t.norm for t in second.tokens].index("though")]
    assert np.abs(r1 - r2).max() > 1e-3


def test_concurrent_requests_share_one_evaluation(service, corpus_file):
    results = []
    threads = [threading.Thread(target=lambda: results.append(service.evaluate("tiny-gru-lm", [corpus_file])))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(r is results[0] for r in results)


def test_cancel_raises_cancelled(service, corpus_file):
    with pytest.raises(Cancelled):
        service.evaluate("tiny-gru-lm", [corpus_file], cancel=lambda: True)


def test_compare_matches_clusters(service, corpus_file):
    same = service.compare("tiny-gru-lm", "tiny-gru-lm", k=3, corpus=[corpus_file])
    assert same.similarity == 1.0
    other = service.compare("tiny-gru-lm", "tiny-lstm-lm", text="the food was good", k=3, corpus=[corpus_file])
    assert 0.0 <= other.similarity <= 1.0 and len(other.alignment.pairs) == 3
    assert other.texts is not None and len(other.texts) == 2
    assert [p.model for p in other.provenance] == ["tiny-gru-lm", "tiny-lstm-lm"]
    assert other.to_json()["provenance"][1]["corpus"] == str(corpus_file)


def test_model_without_a_known_corpus_still_gets_text_glyphs(service):
    analysis = service.analyze_text("tiny-gru-lm", "the food was good but the movie was bad", k=3)
    assert analysis.extra["clusters_from"] == "text"
    assert analysis.extra["provenance"]["corpus"] == "the analysed text"
    assert analysis.glyphs[2].n_clusters == 3


@pytest.mark.parametrize("call,message", [
    (lambda s, f: s.evaluate("no-such-model", [f]), "unknown model"),
    (lambda s, f: s.evaluate("tiny-gru-lm", "no-such-corpus"), "unknown corpus"),
    (lambda s, f: s.evaluate("tiny-gru-lm", None), r"names no corpus.*--corpus.*UserModel\(corpus="),
    (lambda s, f: s.evaluate("tiny-gru-lm", [f.parent / "missing.txt"]), "not found"),
    (lambda s, f: s.cocluster("tiny-gru-lm", layer=7), "no layer 7"),
    (lambda s, f: s.cocluster("tiny-gru-lm", state="c"), "has states h"),
    (lambda s, f: s.analyze_text("tiny-gru-lm", "zzz qqq"), "no word that model"),
    (lambda s, f: s.analyze_text("tiny-gru-lm", "   "), "no tokens"),
    (lambda s, f: s.explain_word("tiny-gru-lm", "zebra"), "does not know"),
])
def test_bad_input_gives_a_clear_message(service, corpus_file, call, message):
    with pytest.raises(RnnLensError, match=message):
        call(service, corpus_file)


def test_too_many_clusters_is_a_clear_message(chosen):
    with pytest.raises(RnnLensError, match="choose k <="):
        chosen.cocluster("tiny-gru-lm", k=17)


def test_binary_and_empty_corpus_files_are_refused(service, tmp_path):
    binary = tmp_path / "weights.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(RnnLensError, match="binary"):
        service.evaluate("tiny-gru-lm", [binary])
    with pytest.raises(RnnLensError, match="empty"):
        service.evaluate("tiny-gru-lm", [empty])


def test_text_stand_in_statistics_do_not_pile_up(service):
    for i in range(8):
        service.analyze_text("tiny-gru-lm", f"the food was good {'and bad ' * i}but the movie was bad", k=2)
    assert len(service._stats) <= 4


def test_a_folder_of_text_files_is_a_corpus(service, corpus_file, tmp_path):
    folder = tmp_path / "texts"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.txt").write_text(corpus_file.read_text())
    (folder / "nested" / "b.txt").write_text("the food was good .")
    stats = service.evaluate("tiny-gru-lm", str(folder)).stats
    assert stats.tokens == service.evaluate("tiny-gru-lm", [folder / "a.txt", folder / "nested" / "b.txt"]).stats.tokens
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    with pytest.raises(RnnLensError, match="no .txt files"):
        service.evaluate("tiny-gru-lm", str(empty))


def test_unit_explanation_has_ordered_box_plot_numbers(chosen):
    unit = chosen.explain_unit("tiny-lstm-lm", 2, "c", 3, top=5)
    entries = unit.positive + unit.negative
    assert all(e.mean > 0 for e in unit.positive) and all(e.mean < 0 for e in unit.negative)
    assert [e.mean for e in unit.positive] == sorted((e.mean for e in unit.positive), reverse=True)
    assert all(e.count >= unit.min_count for e in entries)
    boxes = [e.box for e in entries if e.box is not None]
    assert boxes, "the frequent words of the corpus are sketched"
    for box in boxes:
        assert box["p9"] <= box["p25"] <= box["p50"] <= box["p75"] <= box["p91"]
