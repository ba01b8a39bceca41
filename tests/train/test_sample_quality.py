"""The shipped sample models meet their quality bars, recomputed from the weights (not read from cards)."""


import pytest
from rnnlens.data.corpora import load_corpus, split_documents
from rnnlens.models.registry import ModelRegistry
from rnnlens.train import batches
from rnnlens.train.kneser_ney import KneserNeyTrigram
from rnnlens.train.metrics import classifier_accuracy, lm_perplexity


@pytest.fixture(scope="module")
def registry():
    return ModelRegistry()


def test_lstm_language_model_beats_kneser_ney_on_the_same_split(registry):
    model = registry.get("brown-lstm")
    splits = split_documents(load_corpus("brown"))
    test = batches.token_stream(splits["test"], model.vocab)
    kneser_ney = KneserNeyTrigram(len(model.vocab)).fit(batches.token_stream(splits["train"], model.vocab).tolist())
    lstm = lm_perplexity(model.module, test)
    baseline = kneser_ney.perplexity(test.tolist())
    assert lstm < baseline
    assert lstm == pytest.approx(model.card["test_metric"]["value"], rel=0.02)  # the card tells the truth


@pytest.mark.parametrize("name", ["brown-gru", "brown-rnn"])
def test_other_language_models_are_trained(registry, name):
    model = registry.get(name)
    test = batches.token_stream(split_documents(load_corpus("brown"))["test"], model.vocab)
    assert lm_perplexity(model.module, test) < 200  # an untrained model is near the vocabulary size (5000)


def test_sentiment_model_reaches_75_percent_on_its_test_split(registry):
    model = registry.get("rt-gru")
    docs = split_documents(load_corpus("rotten-tomatoes"))["test"]
    seqs, gold = batches.encode_snippets(docs, model.vocab, model.labels, max_length=60)
    assert classifier_accuracy(model.module, seqs, gold, model.vocab.pad_id) >= 0.75


def test_samples_stay_small():
    from rnnlens.paths import SAMPLES_DIR

    total = sum(p.stat().st_size for p in SAMPLES_DIR.rglob("*") if p.is_file() and ".checkpoint" not in str(p))
    assert total < 20_000_000
