"""The shipped sample models meet their quality bars, recomputed from the weights (not read from cards)."""

import math

import pytest
import torch
from rnnlens.data.corpora import load_corpus, split_documents
from rnnlens.models.registry import ModelRegistry
from rnnlens.train import batches
from rnnlens.train.kneser_ney import KneserNeyTrigram
from torch import nn


@pytest.fixture(scope="module")
def registry():
    return ModelRegistry()


def lm_test_perplexity(model, stream: torch.Tensor) -> float:
    data = batches.batchify(stream, 8)
    state, total, count = None, 0.0, 0
    with torch.inference_mode():
        for inputs, targets in batches.lm_windows(data, 200):
            logits, state = model.module(inputs, state)
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                                 reduction="sum").item()
            count += targets.numel()
    return math.exp(total / count)


def test_lstm_language_model_beats_kneser_ney_on_the_same_split(registry):
    model = registry.get("brown-lstm")
    splits = split_documents(load_corpus("brown"))
    test = batches.token_stream(splits["test"], model.vocab)
    kneser_ney = KneserNeyTrigram(len(model.vocab)).fit(batches.token_stream(splits["train"], model.vocab).tolist())
    lstm = lm_test_perplexity(model, test)
    baseline = kneser_ney.perplexity(test.tolist())
    assert lstm < baseline
    assert lstm == pytest.approx(model.card["test_metric"]["value"], rel=0.02)  # the card tells the truth


@pytest.mark.parametrize("name", ["brown-gru", "brown-rnn"])
def test_other_language_models_are_trained(registry, name):
    model = registry.get(name)
    test = batches.token_stream(split_documents(load_corpus("brown"))["test"], model.vocab)
    assert lm_test_perplexity(model, test) < 200  # an untrained model is near the vocabulary size (5000)


def test_sentiment_model_reaches_75_percent_on_its_test_split(registry):
    model = registry.get("rt-gru")
    docs = split_documents(load_corpus("rotten-tomatoes"))["test"]
    seqs, gold = batches.encode_snippets(docs, model.vocab, model.labels, max_length=60)
    correct = 0
    with torch.inference_mode():
        for ids, lengths, target in batches.padded_batches(seqs, gold, 256, model.vocab.pad_id, range(len(seqs))):
            logits, _ = model.module(ids)
            correct += int((logits[torch.arange(len(ids)), lengths - 1].argmax(1) == target).sum())
    assert correct / len(seqs) >= 0.75


def test_samples_stay_small():
    from rnnlens.paths import SAMPLES_DIR

    total = sum(p.stat().st_size for p in SAMPLES_DIR.rglob("*") if p.is_file() and ".checkpoint" not in str(p))
    assert total < 20_000_000
