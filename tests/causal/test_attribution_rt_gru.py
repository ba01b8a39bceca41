"""Attribution on the sample sentiment model: in reviews with one clearly negative word, that word
is the strongest negative contributor to the "positive" class (sentences written for this test)."""

import numpy as np
import torch
from rnnlens.analysis.attribution import attribute_token
from rnnlens.models.registry import ModelRegistry

REVIEWS = [
 ("the movie is boring .", "boring"),
 ("a dull story about a family .", "dull"),
 ("the plot is predictable from the first scene .", "predictable"),
 ("this film is a mess .", "mess"),
 ("the acting is awful throughout .", "awful"),
 ("an unfunny comedy with a famous cast .", "unfunny"),
 ("the script is lazy and the film runs two hours .", "lazy"),
 ("it is a tedious film about love .", "tedious"),
 ("the dialogue is terrible .", "terrible"),
 ("a pointless sequel to last year's hit .", "pointless"),
 ("the story is bland .", "bland"),
 ("the director made a stupid movie about war .", "stupid"),
 ("the ending is disappointing .", "disappointing"),
 ("a bad film with a big budget .", "bad"),
 ("the characters are shallow .", "shallow"),
 ("the jokes are flat and the film is long .", "flat"),
 ("this is the worst movie of the year .", "worst"),
 ("the film feels tired .", "tired"),
 ("the music is annoying .", "annoying"),
 ("a clumsy drama set in paris .", "clumsy"),
 ("the whole thing is silly .", "silly"),
 ("the film is a failure .", "failure"),
]


def negative_word_rate() -> tuple[float, list[str]]:
    model = ModelRegistry([]).get("rt-gru")
    positive = model.labels.index("positive")
    misses = []
    for text, word in REVIEWS:
        tokens = model.tokenize(text)
        ids = torch.tensor([model.encode(tokens)])
        assert model.vocab.unk_id not in ids[0].tolist(), text
        result = attribute_token(model.stack, model.task, ids, ids.shape[1] - 1, target=positive)
        strongest = tokens[int(np.argmin(result.scores))].norm
        if strongest != word:
            misses.append(f"{text!r}: {strongest}")
    return 1 - len(misses) / len(REVIEWS), misses


def test_the_negative_word_is_the_strongest_negative_contributor_in_most_reviews():
    rate, misses = negative_word_rate()
    # 21 of 22 when written (docs/causal.md); the floor leaves room for retrained weights.
    assert rate >= 0.8, misses
