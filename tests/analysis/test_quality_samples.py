"""The paper's case studies on the real sample models (needs the fetched corpora: marked slow).

- Sentiment (rt-gru): with k = 2 the word clusters split clearly positive from clearly negative words.
- Language models (brown-lstm): word clusters follow Brown part-of-speech tags far better than chance.
- Context (the paper's "though" example): the same word gets different responses in two sentences.
"""


import numpy as np
import pytest
from rnnlens.models.registry import ModelRegistry
from rnnlens.paths import SAMPLE_MODELS_DIR
from rnnlens.service import AnalysisService
from sklearn.metrics import adjusted_mutual_info_score

pytestmark = pytest.mark.slow

# Clearly positive / negative words in movie reviews (negations count as negative: "not funny",
# "doesn't work"); only those among the clustered frequent words are checked.
POSITIVE = ["good", "great", "best", "better", "fun", "beautiful", "funny", "entertaining", "love", "wonderful",
            "fascinating", "compelling", "enjoyable", "interesting", "sweet", "brilliant", "charming", "delightful"]
NEGATIVE = ["bad", "worst", "boring", "dull", "nothing", "silly", "mess", "stupid", "tedious", "least",
            "no", "not", "never", "doesn't", "isn't", "don't", "can't", "unfunny", "pointless", "bland"]


def _needs(name: str) -> None:
    if not (SAMPLE_MODELS_DIR / name / "weights.safetensors").exists():
        pytest.fail(f"sample model {name} is missing from {SAMPLE_MODELS_DIR}")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> AnalysisService:
    return AnalysisService(ModelRegistry([]), cache_root=tmp_path_factory.mktemp("analysis-cache"))


def test_sentiment_model_with_two_clusters_splits_positive_from_negative_words(samples):
    _needs("rt-gru")
    result = samples.cocluster("rt-gru", k=2)
    label = dict(zip(result.words, result.word_labels.tolist(), strict=True))
    positive = [label[w] for w in POSITIVE if w in label]
    negative = [label[w] for w in NEGATIVE if w in label]
    assert len(positive) >= 8 and len(negative) >= 8, "too few sentiment words among the clustered words"
    positive_side = np.bincount(positive, minlength=2).argmax()
    assert np.mean(np.array(positive) == positive_side) >= 0.8
    assert np.mean(np.array(negative) != positive_side) >= 0.8


def _though_responses(service: AnalysisService, model: str) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for text in ("I love the food, though the staff is not helpful",
                 "The staff is not helpful, though I love the food"):
        analysis = service.analyze_text(model, text, k=4)
        out.append(analysis.responses[[t.norm for t in analysis.tokens].index("though")])
    return out[0], out[1]


def test_the_same_word_responds_differently_in_different_contexts(samples):
    _needs("rt-gru")
    first, second = _though_responses(samples, "rt-gru")
    # Not noise: the difference is a sizeable share of the response itself.
    assert np.linalg.norm(first - second) > 0.2 * max(np.linalg.norm(first), np.linalg.norm(second))


def test_language_model_word_clusters_follow_parts_of_speech(samples):
    _needs("brown-lstm")
    result = samples.cocluster("brown-lstm", k=8)
    tagged = [(label, samples.word_pos(w)) for w, label in zip(result.words, result.word_labels, strict=True)]
    tagged = [(label, tag) for label, tag in tagged if tag is not None]
    assert len(tagged) >= 200
    clusters = np.array([label for label, _ in tagged])
    tags = np.array([tag for _, tag in tagged])
    observed = adjusted_mutual_info_score(tags, clusters)
    rng = np.random.default_rng(0)
    shuffled = [adjusted_mutual_info_score(tags, rng.permutation(clusters)) for _ in range(50)]
    assert observed >= 0.3
    assert observed > max(shuffled) + 0.1
