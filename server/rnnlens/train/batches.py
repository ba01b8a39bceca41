"""Turning documents into training batches: token streams for LMs, padded snippets for classifiers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

import torch

from rnnlens.data.corpora import Document
from rnnlens.data.tokenizer import iter_token_norms
from rnnlens.data.vocabulary import Vocabulary


def count_words(documents: Sequence[Document]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for doc in documents:
        counts.update(iter_token_norms(doc.text))
    return counts


def token_stream(documents: Sequence[Document], vocab: Vocabulary, limit: int | None = None) -> torch.Tensor:
    return encode_stream(documents, vocab, limit)[0]


def encode_stream(documents: Sequence[Document], vocab: Vocabulary,
                  limit: int | None = None) -> tuple[torch.Tensor, int]:
    """The documents' ids as one stream (at most `limit`), and how many documents it draws on."""
    ids: list[int] = []
    used = 0
    for doc in documents:
        ids.extend(vocab.encode(iter_token_norms(doc.text)))
        used += 1
        if limit is not None and len(ids) >= limit:
            break
    return torch.tensor(ids[:limit] if limit else ids, dtype=torch.long), used


def trim_to_rows(stream: torch.Tensor, rows: int) -> torch.Tensor:
    """The part of `stream` that `batchify(stream, rows)` keeps (whole rows only)."""
    return stream[: (stream.numel() // rows) * rows]


def batchify(stream: torch.Tensor, batch_size: int) -> torch.Tensor:
    """(batch, steps): the stream cut into `batch_size` contiguous rows (truncated BPTT layout)."""
    steps = stream.numel() // batch_size
    return stream[: steps * batch_size].view(batch_size, steps)


def lm_windows(data: torch.Tensor, bptt: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for start in range(0, data.shape[1] - 1, bptt):
        end = min(start + bptt, data.shape[1] - 1)
        yield data[:, start:end], data[:, start + 1:end + 1]


def encode_snippets(documents: Sequence[Document], vocab: Vocabulary, labels: Sequence[str],
                    max_length: int) -> tuple[list[list[int]], torch.Tensor]:
    seqs = [vocab.encode(iter_token_norms(d.text))[:max_length] or [vocab.unk_id] for d in documents]
    index = {label: i for i, label in enumerate(labels)}
    return seqs, torch.tensor([index[d.label] for d in documents if d.label is not None], dtype=torch.long)


def padded_batches(seqs: list[list[int]], targets: torch.Tensor, batch_size: int, pad: int,
                   order: Sequence[int]) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    for start in range(0, len(order), batch_size):
        chosen = list(order[start:start + batch_size])
        lengths = torch.tensor([len(seqs[i]) for i in chosen])
        ids = torch.full((len(chosen), int(lengths.max())), pad, dtype=torch.long)
        for row, i in enumerate(chosen):
            ids[row, : len(seqs[i])] = torch.tensor(seqs[i])
        yield ids, lengths, targets[chosen]
