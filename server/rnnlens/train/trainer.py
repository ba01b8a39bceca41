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
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from rnnlens.data.corpora import Corpus, load_corpus, split_documents
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.config import ModelConfig
from rnnlens.models.network import RecurrentModel, detach_state
from rnnlens.models.storage import is_model_dir, load_network, read_json, save_model
from rnnlens.paths import user_models_dir
from rnnlens.train import batches
from rnnlens.train.card import SPLIT_RULE, build_card, write_card
from rnnlens.train.checkpoint import load_checkpoint, save_checkpoint
from rnnlens.train.config import DEFAULTS, TrainConfig
from rnnlens.train.init_from import copy_body_weights
from rnnlens.train.kneser_ney import KneserNeyTrigram
from rnnlens.train.metrics import (
    EVAL_ROWS,
    classifier_accuracy,
    last_real_step,
    lm_eval_rows,
    lm_perplexity,
    majority_baseline,
)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    def __init__(self, config: TrainConfig, base_dir: Path, command: str, force: bool = False,
                 source: str | None = None, device: torch.device | None = None):
        self.config = config
        self.device = device if device is not None else torch.device("cpu")  # models/device.py resolves it
        # Without `output`, models land in the user's models folder, which the registry lists.
        self.output = (base_dir / config.output).resolve() if config.output else user_models_dir() / config.name
        self.checkpoint_dir = self.output.with_name(self.output.name + ".checkpoint")
        self.command = command
        self.force = force
        seed_everything(config.seed)
        self.corpus: Corpus = load_corpus(config.corpus)
        self.splits = split_documents(self.corpus)
        self.train_counts = batches.count_words(self.splits["train"])
        self.vocab = Vocabulary.build(self.train_counts, min_count=config.min_count, max_size=config.max_vocab)
        labels = self.corpus.labels if config.task == "classifier" else []
        if config.task == "classifier" and len(labels) < 2:
            raise RnnLensError(f"{source or 'training config ' + repr(config.name)}: task 'classifier' needs a "
                               f"corpus with labels; "
                               f"corpus {config.corpus!r} has none (use task 'lm', or a labelled corpus such as "
                               f"rotten-tomatoes)")
        self.model_config = ModelConfig(cell=config.cell, task=config.task, vocab_size=len(self.vocab),
                                        embed_size=config.embed_size, hidden_size=config.hidden_size,
                                        num_layers=config.num_layers, dropout=config.dropout,
                                        tie_weights=config.tie_weights and config.task == "lm", labels=labels)
        self.model = RecurrentModel(self.model_config)
        self.init_from: dict[str, Any] | None = None
        if config.init_from is not None:
            folder = (base_dir / config.init_from).resolve()
            copied = copy_body_weights(folder, self.model, self.vocab, source or f"training config {config.name!r}")
            self.init_from = {"folder": config.init_from, "copied": copied, "source_card": _card_summary(folder)}
        self.model = self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self._prepare_data()

    # data ---------------------------------------------------------------------------------
    def _prepare_data(self) -> None:
        """Encode every split and record exactly what the network will see (the card reports it)."""
        c = self.config
        documents = {name: len(docs) for name, docs in self.splits.items()}
        if c.task == "lm":
            self.lm = {}
            used_documents = {}
            for name, docs in self.splits.items():
                stream, used = batches.encode_stream(docs, self.vocab, c.max_train_tokens if name == "train" else None)
                # Training reads the stream as batch_size whole rows: the rest is never seen.
                self.lm[name] = batches.trim_to_rows(stream, c.batch_size) if name == "train" else stream
                used_documents[name] = used
            self.split_sizes = {k: int(v.numel()) for k, v in self.lm.items()}
            self.data_used: dict[str, Any] = {"documents": documents, "documents_used": used_documents,
                              "tokens": {"train": int(sum(self.train_counts.values())),
                                         **{k: v for k, v in self.split_sizes.items() if k != "train"}},
                              "size_unit": "tokens"}
        else:
            self.snippets = {name: batches.encode_snippets(docs, self.vocab, self.model_config.labels, c.max_length)
                             for name, docs in self.splits.items()}
            self.split_sizes = {k: len(v[0]) for k, v in self.snippets.items()}
            self.data_used = {"documents": documents, "documents_used": dict(self.split_sizes),
                              "tokens": {k: sum(len(seq) for seq in v[0]) for k, v in self.snippets.items()},
                              "size_unit": "snippets", "max_length": c.max_length}

    # loops ----------------------------------------------------------------------------------
    def _train_epoch_lm(self, epoch: int) -> float:
        data = batches.batchify(self.lm["train"], self.config.batch_size)
        self.model.train()
        state = None
        total, count = 0.0, 0
        windows = list(batches.lm_windows(data, self.config.bptt))
        bar = tqdm(windows, desc=f"epoch {epoch}", unit="batch", file=sys.stderr, leave=False)
        for inputs, targets in bar:
            inputs, targets = inputs.to(self.device), targets.to(self.device)
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
            ids, lengths, gold = ids.to(self.device), lengths.to(self.device), gold.to(self.device)
            logits_all, _ = self.model(ids)
            logits = last_real_step(logits_all, lengths)
            loss = nn.functional.cross_entropy(logits, gold)
            if self.config.aux_loss:
                loss = loss + self.config.aux_loss * every_step_loss(logits_all, lengths, gold)
            self._step(loss)
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
        self._check_output_folder()
        progress: dict[str, Any] = {"epoch": 0, "best": None, "best_epoch": None, "bad_epochs": 0, "history": [],
                                    "seconds": 0.0, "resumes": []}
        best_dir = self.checkpoint_dir / "best"
        if resume and (self.checkpoint_dir / "state.safetensors").exists():
            progress = self._resume()
        progress["config"] = c.training_settings()
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
                progress["best"], progress["best_epoch"], progress["bad_epochs"] = valid, epoch, 0
                save_checkpoint(best_dir, self.model, self.optimizer, {"epoch": epoch})
            else:
                progress["bad_epochs"] += 1
            self._keep_epoch_weights(epoch, progress["best_epoch"])
            progress["epoch"] = epoch
            save_checkpoint(self.checkpoint_dir, self.model, self.optimizer, progress)
            print(f"epoch {epoch}: train {metric_name} {train_value:.3f}, valid {metric_name} {valid:.3f}"
                  f"{' (best)' if improved else ''}", file=sys.stderr)
        if not (best_dir / "state.safetensors").exists():
            raise RnnLensError(f"{self.checkpoint_dir} holds no kept epoch (best/ is missing); run again with --fresh")
        load_checkpoint(best_dir, self.model, self.optimizer)
        if c.average_epochs > 1:
            progress["averaged"] = self._average_around(progress["best_epoch"], progress["epoch"])
        if self.output.exists():
            shutil.rmtree(self.output)
        save_model(self.output, self.model.to("cpu").eval(), self.vocab, half=c.half)  # a model is kept on the CPU
        card = self.card_for(self.output, progress)
        print(f"{c.name}: test {metric_name} {card['test_metric']['value']:.4f} (epoch {progress['best_epoch']} "
              f"kept)", file=sys.stderr)
        write_card(self.output, card)
        return card

    def _keep_epoch_weights(self, epoch: int, best_epoch: int) -> None:
        """With `average_epochs` n > 1: this epoch's weights, while they may fall in the window of
        n epochs centred on the best one (those before best - n // 2 never will again)."""
        half = self.config.average_epochs // 2
        if half == 0:
            return
        folder = self.checkpoint_dir / "epochs"
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().float().cpu().contiguous() for k, v in self.model.state_dict().items()},
                  str(folder / f"{epoch}.safetensors"))
        for path in folder.glob("*.safetensors"):
            if path.stem.isdigit() and int(path.stem) < best_epoch - half:
                path.unlink()

    def _average_around(self, best_epoch: int, last_epoch: int) -> dict[str, Any]:
        """Load the mean weights of the epochs within average_epochs // 2 of the best one (those run);
        what was averaged and its valid metric (the card records it)."""
        half = self.config.average_epochs // 2
        folder = self.checkpoint_dir / "epochs"
        epochs = [e for e in range(best_epoch - half, min(best_epoch + half, last_epoch) + 1) if e >= 1]
        missing = [e for e in epochs if not (folder / f"{e}.safetensors").is_file()]
        if missing:
            raise RnnLensError(f"{folder} lacks the weights of epochs {missing} (average_epochs needs them); run "
                               f"again with --fresh")
        total: dict[str, torch.Tensor] = {}
        for e in epochs:
            for key, tensor in load_file(str(folder / f"{e}.safetensors")).items():
                total[key] = total[key] + tensor if key in total else tensor.clone()
        self.model.load_state_dict({k: v / len(epochs) for k, v in total.items()})
        lm = self.config.task == "lm"
        valid = self.evaluate_lm("valid") if lm else self.evaluate_classifier("valid")
        return {"epochs": epochs, f"valid_{'perplexity' if lm else 'accuracy'}": round(valid, 4)}

    def card_for(self, folder: Path, progress: dict[str, Any]) -> dict[str, Any]:
        """The card of the model saved in `folder`, trained as `progress` says, on this config's data.

        Its numbers come from the weights as saved (fp16 when `half`), not the float32 ones in
        memory. scripts/refresh_sample_cards.py uses this to correct the shipped samples' cards.
        """
        saved, _ = load_network(folder)
        metric_name = "perplexity" if self.config.task == "lm" else "accuracy"
        card = build_card(self.config, self.model_config, self.command, metric_name, self._test_metric(saved),
                          progress, data=self._data_section(), baseline=self._baseline())
        if self.init_from is not None:
            card["training"]["init_from"] = self.init_from
        return card

    def _check_output_folder(self) -> None:
        """Never delete a folder that is not a model (an `output` of "." would be the config's folder)."""
        out = self.output
        if out.exists() and not (out.is_dir() and (is_model_dir(out) or not any(out.iterdir()))):
            raise RnnLensError(f"output folder {out} exists and is not a model folder; choose another `output` "
                               f"in the training config")

    def _resume(self) -> dict[str, Any]:
        progress = load_checkpoint(self.checkpoint_dir, self.model, self.optimizer)
        before: dict[str, Any] | None = progress.get("config")
        now = self.config.training_settings()
        # A key added after the checkpoint was written had its default then.
        changed = ({key: [before.get(key, DEFAULTS.get(key)), value] for key, value in now.items()
                    if before.get(key, DEFAULTS.get(key)) != value}
                   if before is not None else {"config": ["not recorded in the checkpoint", "this config"]})
        if changed and not self.force:
            shown = "; ".join(f"{key} {old!r} -> {new!r}" for key, (old, new) in changed.items())
            raise RnnLensError(f"training config changed since the checkpoint in {self.checkpoint_dir} ({shown}): "
                               f"pass --fresh to start over, or --force to continue with the new settings (the "
                               f"card will record it)")
        progress.setdefault("resumes", []).append({"after_epoch": progress["epoch"], "forced": bool(changed),
                                                   "changed": changed})
        progress.setdefault("best_epoch", progress.get("epoch"))
        print(f"resuming {self.config.name} after epoch {progress['epoch']}"
              f"{' with changed settings (--force): ' + ', '.join(changed) if changed else ''}", file=sys.stderr)
        return progress

    def _test_metric(self, network: nn.Module) -> float:
        if self.config.task == "lm":
            return lm_perplexity(network, self.lm["test"])
        seqs, targets = self.snippets["test"]
        return classifier_accuracy(network, seqs, targets, self.vocab.pad_id)

    def _data_section(self) -> dict[str, Any]:
        c = self.config
        used = "whole train split" if c.max_train_tokens is None else f"first {c.max_train_tokens} train tokens"
        return {"corpus": c.corpus, "split": SPLIT_RULE, "split_sizes": self.split_sizes,
                **self.data_used,
                "train_used": (f"{used}, trimmed to {c.batch_size} whole rows: {self.split_sizes['train']} tokens "
                               f"drawn from {self.data_used['documents_used']['train']} of the split's documents" if c.task == "lm"
                               else f"all {self.split_sizes['train']} train snippets, cut at {c.max_length} tokens")}

    def _baseline(self) -> dict[str, Any]:
        """A count baseline fitted on exactly the training data the network saw, scored on its test targets."""
        if self.config.task == "lm":
            train = self.lm["train"].tolist()
            rows = lm_eval_rows(self.lm["test"])
            kn = KneserNeyTrigram(len(self.vocab)).fit(train)
            return {"name": "interpolated Kneser-Ney trigram (d=0.75), same vocabulary",
                    "fitted_on": {"split": "train", "tokens": len(train)},
                    "evaluated_on": {"split": "test", "rows": EVAL_ROWS, "targets": sum(len(r) - 1 for r in rows)},
                    "test_perplexity": round(kn.perplexity_rows(rows), 4)}
        label, accuracy = majority_baseline(self.snippets["train"][1], self.snippets["test"][1],
                                            self.model_config.labels)
        return {"name": f"majority class of the train split (always {label!r})",
                "fitted_on": {"split": "train", "snippets": self.split_sizes["train"]},
                "evaluated_on": {"split": "test", "snippets": self.split_sizes["test"]},
                "test_accuracy": round(accuracy, 4)}


def every_step_loss(logits: torch.Tensor, lengths: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the document's label at every real step (`aux_loss`).

    The classifier head reads each step's state; trained only at the last step, the states before
    it need not mean anything to the head. This loss asks every prefix to lean towards the label
    (the network stays causal: each step's logits depend only on the tokens so far).
    """
    steps = logits.shape[1]
    mask = torch.arange(steps, device=logits.device)[None, :] < lengths.to(logits.device)[:, None]
    per_step = nn.functional.cross_entropy(logits.transpose(1, 2), gold[:, None].expand(-1, steps), reduction="none")
    return (per_step * mask).sum() / mask.sum()


def _card_summary(folder: Path) -> dict[str, Any]:
    """What the init_from model was, from its card (empty when it has none)."""
    path = folder / "card.json"
    if not path.is_file():
        return {}
    card = read_json(path)
    if not isinstance(card, dict):
        return {}
    return {key: card[key] for key in ("name", "command", "test_metric") if key in card}
