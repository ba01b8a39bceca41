"""The training loop: LMs with truncated BPTT, classifiers on padded snippets; early stopping,
checkpoint/resume, fixed seeds, and a model card at the end."""

from __future__ import annotations

import math
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from rnnlens.data.corpora import Corpus, load_corpus, split_documents
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.models.config import ModelConfig
from rnnlens.models.network import RecurrentModel, detach_state
from rnnlens.models.storage import save_model
from rnnlens.train import batches
from rnnlens.train.card import write_card
from rnnlens.train.checkpoint import load_checkpoint, save_checkpoint
from rnnlens.train.config import TrainConfig
from rnnlens.train.kneser_ney import KneserNeyTrigram
from rnnlens.train.metrics import classifier_accuracy, final_step_logits, lm_perplexity


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    def __init__(self, config: TrainConfig, base_dir: Path, command: str):
        self.config = config
        self.output = (base_dir / config.output).resolve()
        self.checkpoint_dir = self.output.with_name(self.output.name + ".checkpoint")
        self.command = command
        seed_everything(config.seed)
        self.corpus: Corpus = load_corpus(config.corpus)
        self.splits = split_documents(self.corpus)
        counts = batches.count_words(self.splits["train"])
        self.vocab = Vocabulary.build(counts, min_count=config.min_count, max_size=config.max_vocab)
        labels = self.corpus.labels if config.task == "classifier" else []
        self.model_config = ModelConfig(cell=config.cell, task=config.task, vocab_size=len(self.vocab),
                                        embed_size=config.embed_size, hidden_size=config.hidden_size,
                                        num_layers=config.num_layers, dropout=config.dropout,
                                        tie_weights=config.tie_weights and config.task == "lm", labels=labels)
        self.model = RecurrentModel(self.model_config)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self._prepare_data()

    # data ---------------------------------------------------------------------------------
    def _prepare_data(self) -> None:
        c = self.config
        if c.task == "lm":
            self.lm = {name: batches.token_stream(docs, self.vocab, c.max_train_tokens if name == "train" else None)
                       for name, docs in self.splits.items()}
            self.split_sizes = {k: int(v.numel()) for k, v in self.lm.items()}
        else:
            self.snippets = {name: batches.encode_snippets(docs, self.vocab, self.model_config.labels, c.max_length)
                             for name, docs in self.splits.items()}
            self.split_sizes = {k: len(v[0]) for k, v in self.snippets.items()}

    # loops ----------------------------------------------------------------------------------
    def _train_epoch_lm(self, epoch: int) -> float:
        data = batches.batchify(self.lm["train"], self.config.batch_size)
        self.model.train()
        state = None
        total, count = 0.0, 0
        windows = list(batches.lm_windows(data, self.config.bptt))
        bar = tqdm(windows, desc=f"epoch {epoch}", unit="batch", file=sys.stderr, leave=False)
        for inputs, targets in bar:
            logits, state = self.model(inputs, state)
            state = detach_state(state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            self._step(loss)
            total += loss.item() * targets.numel()
            count += targets.numel()
            bar.set_postfix(ppl=f"{math.exp(total / count):.1f}")
        return math.exp(total / count)

    def _step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip)
        self.optimizer.step()

    def evaluate_lm(self, split: str) -> float:
        return lm_perplexity(self.model, self.lm[split])

    def _train_epoch_classifier(self, epoch: int) -> float:
        seqs, targets = self.snippets["train"]
        order = list(range(len(seqs)))
        random.Random(self.config.seed + epoch).shuffle(order)
        self.model.train()
        correct = 0
        bar = tqdm(list(batches.padded_batches(seqs, targets, self.config.batch_size, self.vocab.pad_id, order)),
                   desc=f"epoch {epoch}", unit="batch", file=sys.stderr, leave=False)
        for ids, lengths, gold in bar:
            logits = final_step_logits(self.model, ids, lengths)
            self._step(nn.functional.cross_entropy(logits, gold))
            correct += int((logits.argmax(1) == gold).sum())
        return correct / len(seqs)

    def evaluate_classifier(self, split: str) -> float:
        seqs, targets = self.snippets[split]
        return classifier_accuracy(self.model, seqs, targets, self.vocab.pad_id)

    # driver ---------------------------------------------------------------------------------
    def run(self, resume: bool = True) -> dict[str, Any]:
        c = self.config
        lm = c.task == "lm"
        metric_name = "perplexity" if lm else "accuracy"
        better = (lambda a, b: a < b) if lm else (lambda a, b: a > b)
        progress: dict[str, Any] = {"epoch": 0, "best": None, "bad_epochs": 0, "history": [], "seconds": 0.0}
        best_dir = self.checkpoint_dir / "best"
        if resume and (self.checkpoint_dir / "state.safetensors").exists():
            progress = load_checkpoint(self.checkpoint_dir, self.model, self.optimizer)
            print(f"resuming {c.name} after epoch {progress['epoch']}", file=sys.stderr)
        while progress["epoch"] < c.epochs and progress["bad_epochs"] < c.patience:
            epoch = progress["epoch"] + 1
            started = time.perf_counter()
            train_value = self._train_epoch_lm(epoch) if lm else self._train_epoch_classifier(epoch)
            valid = self.evaluate_lm("valid") if lm else self.evaluate_classifier("valid")
            progress["seconds"] += time.perf_counter() - started
            progress["history"].append({"epoch": epoch, f"train_{metric_name}": round(train_value, 4),
                                        f"valid_{metric_name}": round(valid, 4)})
            improved = progress["best"] is None or better(valid, progress["best"])
            if improved:
                progress["best"], progress["bad_epochs"] = valid, 0
                save_checkpoint(best_dir, self.model, self.optimizer, {"epoch": epoch})
            else:
                progress["bad_epochs"] += 1
            progress["epoch"] = epoch
            save_checkpoint(self.checkpoint_dir, self.model, self.optimizer, progress)
            print(f"epoch {epoch}: train {metric_name} {train_value:.3f}, valid {metric_name} {valid:.3f}"
                  f"{' (best)' if improved else ''}", file=sys.stderr)
        load_checkpoint(best_dir, self.model, self.optimizer)
        test = self.evaluate_lm("test") if lm else self.evaluate_classifier("test")
        print(f"{c.name}: test {metric_name} {test:.4f}", file=sys.stderr)
        card = self._card(metric_name, test, progress)
        if self.output.exists():
            shutil.rmtree(self.output)
        save_model(self.output, self.model.eval(), self.vocab, card=card, half=c.half)
        write_card(self.output, card)
        return card

    def _card(self, metric_name: str, test: float, progress: dict[str, Any]) -> dict[str, Any]:
        c = self.config
        card: dict[str, Any] = {
            "name": c.name,
            "task": c.task,
            "data": {"corpus": c.corpus, "split": "deterministic by document id hash: 80% train, 10% valid, "
                     "10% test", "split_sizes": self.split_sizes,
                     "size_unit": "tokens" if c.task == "lm" else "snippets"},
            "model": self.model_config.to_dict(),
            "hyperparameters": {k: v for k, v in c.to_dict().items() if k not in ("name", "output", "extra")},
            "command": self.command,
            "test_metric": {"name": metric_name, "value": round(test, 4), "split": "test"},
            "training": {"epochs": progress["epoch"], "seconds": round(progress["seconds"], 1),
                         "history": progress["history"], "device": "cpu"},
        }
        if c.task == "lm":
            kn = KneserNeyTrigram(len(self.vocab)).fit(self.lm["train"].tolist())
            card["baseline"] = {"name": "interpolated Kneser-Ney trigram (d=0.75), same vocabulary and split",
                                "test_perplexity": round(kn.perplexity(self.lm["test"].tolist()), 4)}
        card.update(c.extra)
        return card
