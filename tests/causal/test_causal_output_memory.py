"""The causal paths run the output head only on the rows they read (issue 11, item 4).

Ablation reads the output at one step, one row per cluster plus the unablated one, so the head
never sees more than k + 1 rows, however long the text. The recorder wraps `nn.Linear.forward`
(the zoo's head is the models' only Linear): a path that traced the text with its outputs on made
the head map all T steps to T x vocabulary logits, and these tests fail on that.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rnnlens.analysis.unit_outputs import TOKEN_CHUNK, classifier_pushes, lm_pushes
from rnnlens.cli.main import main
from rnnlens.models.registry import ModelRegistry
from rnnlens.models.storage import load_model
from rnnlens.service import AnalysisService
from rnnlens.stream import causal_handlers
from rnnlens.stream.handlers import RequestContext
from torch import nn

K = 3
SENTENCE = "the food was good and the staff was very helpful but the movie was bad ."
LONG_LINE = " ".join([SENTENCE] * 8)  # 128 tokens: far more rows than k + 1
CORPUS = (SENTENCE + "\n" + "i love the food though the movie was terrible !\n") * 20


class HeadRows:
    """Wraps nn.Linear.forward and remembers the most rows (steps x batch) one call was given."""

    def __init__(self) -> None:
        self.largest = 0
        self.calls = 0
        self.forward = nn.Linear.forward

    def __call__(self, module: nn.Linear, x: torch.Tensor) -> torch.Tensor:
        self.largest = max(self.largest, x.numel() // x.shape[-1])
        self.calls += 1
        return self.forward(module, x)


@pytest.fixture
def head_rows(monkeypatch) -> HeadRows:
    rows = HeadRows()
    monkeypatch.setattr(nn.Linear, "forward", lambda module, x: rows(module, x))  # a function binds as a method
    return rows


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    corpus, text = tmp_path / "corpus.txt", tmp_path / "long.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    text.write_text(LONG_LINE + "\n", encoding="utf-8")
    return corpus, text


@pytest.mark.parametrize(("model", "mode"), [("tiny-lstm-lm", "zero"), ("tiny-lstm-lm", "mean"),
                                             ("tiny-gru-classifier", "mean")])
def test_effects_cli_runs_the_head_on_k_plus_one_rows(tiny_models, files, head_rows, capsys, model, mode):
    corpus, text = files
    main(["evaluate", "--model", model, "--corpus", str(corpus), "--model-path", str(tiny_models)])
    head_rows.largest = 0  # evaluation reads no outputs either, but it is not what this test is about
    code = main(["effects", str(text), "--model", model, "--token", "40", "-k", str(K), "--mode", mode,
                 "--corpus", str(corpus), "--model-path", str(tiny_models), "--json"])
    assert code == 0, capsys.readouterr().err
    assert head_rows.calls > 0 and head_rows.largest == K + 1


def test_the_panels_effects_run_the_head_on_k_plus_one_rows(tiny_models, tmp_path, head_rows):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    service = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache",
                              corpus=[corpus])
    service.statistics("tiny-lstm-lm")
    ctx = RequestContext(progress=lambda *_: None, cancelled=lambda: False, cursor=None)
    head_rows.largest = 0
    answer = causal_handlers.effects(service, {"id": 1, "model": "tiny-lstm-lm", "text": LONG_LINE, "token": 100,
                                               "layer": None, "state": None, "k": K, "mode": "mean"}, ctx)
    assert answer["delta"].shape == (K, 2)
    assert head_rows.calls > 0 and head_rows.largest == K + 1


def test_classifier_pushes_read_the_head_at_the_last_step_only(tiny_models, head_rows):
    model = load_model(tiny_models / "tiny-gru-classifier")
    ids = torch.tensor([model.encode(model.tokenize(LONG_LINE))])
    labels = np.arange(model.stack.layers[-1].hidden_size) % K
    push = classifier_pushes(model.stack, [ids, ids[:, :50]], model.num_layers, labels, K)
    assert push.shape == (K, 2)
    assert head_rows.largest == K + 1


def test_language_model_pushes_hold_one_chunk_of_logits_at_a_time(tiny_models, head_rows):
    model = load_model(tiny_models / "tiny-lstm-lm")
    ids = torch.tensor([model.encode(model.tokenize(" ".join([LONG_LINE] * 3)))])  # 384 tokens: two chunks
    labels = np.arange(model.stack.layers[-1].hidden_size) % K
    _, tokens = lm_pushes(model.stack, [ids], model.num_layers, labels, K)
    assert tokens == ids.shape[1] > TOKEN_CHUNK
    assert head_rows.largest == TOKEN_CHUNK
