"""`rnnlens effects` and `rnnlens attribute`, run in-process as a user would, on tiny real models."""

import json

import numpy as np
import pytest
from rnnlens.cli.main import main

SENTENCES = ["the food was good and the staff was very helpful .", "the movie was bad , the staff is not helpful .",
             "i love the food though the movie was terrible !", "it was a great movie but the food was bad ."]


@pytest.fixture
def cli(tiny_models, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    corpus.write_text("\n".join(rng.choice(SENTENCES) for _ in range(80)), encoding="utf-8")

    def run(*args, corpus_arg=True):
        extra = ["--corpus", str(corpus)] if corpus_arg else []
        code = main([*args, *extra, "--model-path", str(tiny_models)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def review(tmp_path):
    path = tmp_path / "review.txt"
    path.write_text("the staff is not helpful .\ni love the food though the movie was bad .\n", encoding="utf-8")
    return path


def test_effects_json_has_one_row_per_cluster_and_both_lm_targets(cli, review):
    code, out, _ = cli("effects", str(review), "--model", "tiny-lstm-lm", "--token", "4", "-k", "3", "--json")
    data = json.loads(out)
    assert code == 0 and data["k"] == 3 and data["layer"] == 2
    (token,) = data["tokens"]
    assert token["token"] == 4 and token["text"] == "helpful" and token["replaced"] == ["h", "c"]
    assert [t["role"] for t in token["targets"]] == ["next", "top"] and token["targets"][0]["name"] == "."
    assert len(token["clusters"]) == 3 and sum(c["units"] for c in token["clusters"]) == 16


def test_classifier_effects_read_the_end_of_the_tokens_line(cli, review):
    code, out, _ = cli("effects", str(review), "--model", "tiny-gru-classifier", "--token", "7", "-k", "2",
                       "--mode", "mean", "--json")
    token = json.loads(out)["tokens"][0]
    assert code == 0 and token["output_step"] == 15  # the last token of line 2
    assert [t["name"] for t in token["targets"]] == ["negative", "positive"]
    for cluster in token["clusters"]:
        assert sum(cluster["delta"]) == pytest.approx(0.0, abs=1e-5)  # probabilities move together


def test_effects_without_token_cover_every_token(cli, review):
    code, out, _ = cli("effects", str(review), "--model", "tiny-gru-lm", "-k", "2", "--json")
    assert code == 0 and [t["token"] for t in json.loads(out)["tokens"]] == list(range(16))


def test_attribute_json_scores_tokens_of_the_line_and_reports_delta(cli, review):
    code, out, _ = cli("attribute", str(review), "--model", "tiny-gru-classifier", "--token", "10", "--json",
                       corpus_arg=False)
    data = json.loads(out)
    assert code == 0 and data["target"]["role"] == "class" and data["baseline"] == "zero embedding"
    assert [s["index"] for s in data["scores"]] == list(range(6, 11))
    total = sum(s["score"] for s in data["scores"])
    assert abs(total - (data["output"] - data["baseline_output"])) <= abs(data["convergence_delta"]) + 1e-4


def test_attribute_text_output_names_the_target(cli, review):
    code, out, _ = cli("attribute", str(review), "--model", "tiny-lstm-lm", "--token", "2", "--target", "food",
                       corpus_arg=False)
    assert code == 0 and "'food'" in out and "convergence delta" in out


def test_effects_name_the_statistics_their_clusters_come_from(cli, review, tmp_path):
    code, out, _ = cli("effects", str(review), "--model", "tiny-gru-lm", "--token", "2", "-k", "2", "--json")
    provenance = json.loads(out)["provenance"]
    assert code == 0 and provenance["corpus"] == str(tmp_path / "corpus.txt") and provenance["tokens"] > 0
    assert provenance["model"] == "tiny-gru-lm" and provenance["tokenizer"].startswith("rnnlens.data.tokenizer")
    code, out, _ = cli("effects", str(review), "--model", "tiny-gru-lm", "--token", "2", "-k", "2")
    first, second = out.splitlines()[:2]
    assert first.startswith("# statistics: ") and str(tmp_path / "corpus.txt") in first
    assert second.startswith(f"# model tiny-gru-lm (weights {provenance['weights']}), tokenizer ")


def test_attribute_names_the_model_weights_and_tokenizer(cli, review):
    code, out, _ = cli("attribute", str(review), "--model", "tiny-gru-lm", "--token", "2", "--json", corpus_arg=False)
    named = json.loads(out)["model_provenance"]
    assert code == 0 and named["model"] == "tiny-gru-lm" and len(named["weights"]) == 12
    assert named["tokenizer"].startswith("rnnlens.data.tokenizer") and named["engine_version"] >= 2
    code, out, _ = cli("attribute", str(review), "--model", "tiny-gru-lm", "--token", "2", corpus_arg=False)
    assert out.splitlines()[0] == (f"# model tiny-gru-lm (weights {named['weights']}), tokenizer {named['tokenizer']}, "
                                   f"engine {named['engine_version']}")


def test_unknown_token_and_class_are_one_line_errors(cli, review):
    code, _, err = cli("attribute", str(review), "--model", "tiny-gru-classifier", "--token", "99",
                       corpus_arg=False)
    assert code == 2 and "there is no token 99" in err
    code, _, err = cli("attribute", str(review), "--model", "tiny-gru-classifier", "--token", "1", "--target",
                       "neutral", corpus_arg=False)
    assert code == 2 and "neutral" in err


def test_cocluster_stability_json_scores_k_and_its_neighbours(cli):
    code, out, _ = cli("cocluster", "--model", "tiny-lstm-lm", "-k", "3", "--stability", "--stability-runs", "3",
                       "--json")
    data = json.loads(out)
    assert code == 0 and set(data["stability"]) == {"2", "3", "4", "5"}
    assert data["suggested_k"] in (2, 3, 4, 5) and all(-1 <= v <= 1 for v in data["stability"].values())
    assert len(data["unit_clusters"]) == 3  # the clustering itself is unchanged


def test_cocluster_unit_outputs_label_each_cluster(cli):
    code, out, _ = cli("cocluster", "--model", "tiny-gru-classifier", "-k", "2", "--unit-outputs", "--json")
    data = json.loads(out)
    assert code == 0 and [u["cluster"] for u in data["unit_outputs"]] == [0, 1]
    assert all(set(u["classes"]) == {"negative", "positive"} for u in data["unit_outputs"])
    code, out, _ = cli("cocluster", "--model", "tiny-lstm-lm", "-k", "2", "--unit-outputs", "--json")
    first = json.loads(out)["unit_outputs"][0]
    assert code == 0 and first["label"].startswith("→ ") and len(first["raises"]) == 5
