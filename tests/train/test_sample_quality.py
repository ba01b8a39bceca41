"""The shipped sample models meet their quality bars, recomputed from the weights (not read from cards)."""


import pytest
from rnnlens.data.corpora import load_corpus, split_documents
from rnnlens.models.registry import ModelRegistry
from rnnlens.train import batches
from rnnlens.train.kneser_ney import KneserNeyTrigram
from rnnlens.train.metrics import classifier_accuracy, lm_eval_rows, lm_perplexity


@pytest.fixture(scope="module")
def registry():
    return ModelRegistry()


def test_lstm_language_model_beats_kneser_ney_on_the_same_data(registry):
    model = registry.get("brown-lstm")
    splits = split_documents(load_corpus("brown"))
    test = batches.token_stream(splits["test"], model.vocab)
    # The training tokens the network saw: the whole train split cut to its 64 batch rows.
    train = batches.trim_to_rows(batches.token_stream(splits["train"], model.vocab), 64)
    assert train.numel() == model.card["baseline"]["fitted_on"]["tokens"] == model.card["data"]["split_sizes"]["train"]
    kneser_ney = KneserNeyTrigram(len(model.vocab)).fit(train.tolist())
    lstm = lm_perplexity(model.module, test)
    baseline = kneser_ney.perplexity_rows(lm_eval_rows(test))
    assert lstm < baseline
    # The card tells the truth, for the network (weights as shipped) and for the baseline.
    assert lstm == pytest.approx(model.card["test_metric"]["value"], abs=1e-3)
    assert baseline == pytest.approx(model.card["baseline"]["test_perplexity"], abs=1e-3)


@pytest.mark.parametrize("name", ["brown-gru", "brown-rnn"])
def test_other_language_models_are_trained(registry, name):
    model = registry.get(name)
    test = batches.token_stream(split_documents(load_corpus("brown"))["test"], model.vocab)
    assert lm_perplexity(model.module, test) < 200  # an untrained model is near the vocabulary size (5000)


def test_sentiment_model_reaches_75_percent_on_its_test_split(registry):
    model = registry.get("rt-gru")
    docs = split_documents(load_corpus("rotten-tomatoes"))["test"]
    seqs, gold = batches.encode_snippets(docs, model.vocab, model.labels, max_length=60)
    accuracy = classifier_accuracy(model.module, seqs, gold, model.vocab.pad_id)
    assert accuracy >= 0.75
    assert accuracy == pytest.approx(model.card["test_metric"]["value"], abs=1e-4)
    assert model.card["baseline"]["test_accuracy"] < accuracy  # better than always answering the majority class


def test_samples_stay_small():
    from rnnlens.paths import SAMPLES_DIR

    total = sum(p.stat().st_size for p in SAMPLES_DIR.rglob("*") if p.is_file() and ".checkpoint" not in str(p))
    assert total < 20_000_000
