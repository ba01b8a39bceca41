"""Distributed evaluation on a local 2-worker Ray cluster equals one process's, also when a worker dies."""

import json
import time

import numpy as np
import pytest
import ray  # the `ray` extra, installed by scripts/setup.sh: missing, these tests fail rather than skip
from rnnlens.analysis import evaluation, ray_evaluation
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.pattern_index import IndexPart, PatternIndexBuilder, token_bytes
from rnnlens.analysis.ray_evaluation import RayOptions, RayReport, evaluate_on_ray
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.models.storage import load_model
from rnnlens.service import pattern_states


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=ray_evaluation.OBJECT_STORE_BYTES)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def lstm(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


@pytest.fixture
def small_batches(monkeypatch):
    # Many small batches from a small corpus: several per worker, and a dead worker has work to lose.
    monkeypatch.setattr(evaluation, "BATCH_TOKENS", 400)
    monkeypatch.setattr(evaluation, "BUFFER_DOCUMENTS", 8)


def _documents(model):
    rng = np.random.default_rng(5)
    lengths = rng.integers(0, 300, 60)  # some empty, some longer than... several windows for 260+
    return [rng.integers(2, len(model.vocab), n).astype(np.int32) for n in lengths]


def _assert_same(a, b):
    assert a.tokens == b.tokens
    np.testing.assert_array_equal(a.row_ids, b.row_ids)
    np.testing.assert_array_equal(a.count, b.count)
    for name in a.state_names:
        np.testing.assert_allclose(a.mean[name], b.mean[name], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(a.m2[name], b.m2[name], rtol=1e-6, atol=1e-9)
        # The percentile samples: the same occurrences, so the same vectors, whoever traced them.
        np.testing.assert_array_equal(a.sketch.keys, b.sketch.keys)
        np.testing.assert_array_equal(a.sketch.values[name], b.sketch.values[name])


def _assert_same_index(a, b):
    assert (a.tokens, a.corpus_tokens) == (b.tokens, b.corpus_tokens)
    np.testing.assert_array_equal(a.doc_starts, b.doc_starts)
    assert a.bits.keys() == b.bits.keys()
    for name in a.bits:
        np.testing.assert_array_equal(a.bits[name], b.bits[name])


def test_two_workers_give_the_single_process_statistics_and_pattern_index(cluster, lstm, small_batches):
    docs = _documents(lstm)
    alone = PatternIndexBuilder(pattern_states(lstm))
    single = evaluate_documents(lstm, lambda: iter(docs), patterns=alone)
    report = RayReport()
    seen = []
    spread = PatternIndexBuilder(pattern_states(lstm))
    merged = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), report=report,
                             progress=lambda f, m: seen.append(f), patterns=spread)
    _assert_same(single, merged)
    index = spread.finish(len(docs))
    _assert_same_index(alone.finish(len(docs)), index)
    assert index.tokens == single.tokens > 0 and index.bits["layer1.c"].any()
    assert report.workers == 2 and report.batches > 4 and report.worker_deaths == 0
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_one_worker_gives_the_same_statistics_as_two(cluster, lstm, small_batches):
    docs = _documents(lstm)
    one = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=1))
    two = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2))
    _assert_same(one, two)


def test_a_bounded_pattern_index_made_by_two_workers_is_the_corpus_first_tokens(cluster, lstm, small_batches,
                                                                              monkeypatch):
    docs = _documents(lstm)
    received = []  # tokens whose bits the workers sent: once the index is full they send none past it
    copied = IndexPart.copied
    monkeypatch.setattr(IndexPart, "copied", lambda part: received.append(part.keys.size) or copied(part))
    alone = PatternIndexBuilder(pattern_states(lstm), max_tokens=1_000)
    single = evaluate_documents(lstm, lambda: iter(docs), patterns=alone)
    spread = PatternIndexBuilder(pattern_states(lstm), max_tokens=1_000)
    held = []  # the driver's index as batches come back: bounded while the run goes on, not only at the end
    evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), patterns=spread,
                    after_batch=lambda done, live: held.append(spread.nbytes))
    per_token = token_bytes(pattern_states(lstm))
    assert len(held) > 4 and max(held) <= (1_000 + 1_000 // 8 + evaluation.BATCH_TOKENS) * per_token
    assert sum(len(d) for d in docs) > 5_000  # more than five times what it may hold
    assert 1_000 <= sum(received) <= 1_000 + 1_000 // 8 + 2 * 2 * evaluation.BATCH_TOKENS  # + batches in flight
    index = spread.finish(len(docs))
    _assert_same_index(alone.finish(len(docs)), index)
    assert (index.tokens, index.corpus_tokens) == (1_000, single.tokens)


def test_a_killed_worker_has_its_batches_retried_and_none_counted_twice(cluster, lstm, small_batches):
    docs = _documents(lstm)
    alone = PatternIndexBuilder(pattern_states(lstm))
    single = evaluate_documents(lstm, lambda: iter(docs), patterns=alone)
    killed = []

    def kill_one(acknowledged, actors):
        if acknowledged == 3 and not killed:
            killed.append(actors[0])
            ray.kill(actors[0], no_restart=True)

    report = RayReport()
    spread = PatternIndexBuilder(pattern_states(lstm))
    merged = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), report=report, after_batch=kill_one,
                             patterns=spread)
    assert killed and report.worker_deaths >= 1 and report.retried_batches >= 1
    _assert_same(single, merged)
    _assert_same_index(alone.finish(len(docs)), spread.finish(len(docs)))  # no token's bits twice, none missing


def test_cancel_stops_the_workers(cluster, lstm, small_batches):
    docs = _documents(lstm)
    actors = []  # the live actors, once a batch is done: then cancel
    with pytest.raises(Cancelled):
        evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), cancel=lambda: bool(actors),
                        after_batch=lambda done, live: actors.extend(live))
    assert actors
    for actor in set(actors):
        assert _stops_within(actor, 30.0)


def _stops_within(actor, seconds):
    """Whether calls on `actor` fail as on a dead actor within `seconds` (ray.kill takes effect
    asynchronously: a call sent at once may still be answered)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ray.get(actor.pid.remote(), timeout=max(0.1, deadline - time.monotonic()))
        except ray.exceptions.RayActorError:
            return True
        except ray.exceptions.GetTimeoutError:
            return False
        time.sleep(0.2)
    return False


def test_without_ray_workers_say_how_to_get_it(lstm, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(RnnLensError, match=r"pip install 'rnnlens\[ray\]'"):
        evaluate_on_ray(lstm, lambda: iter([np.array([2, 3])]), RayOptions(workers=2))


def test_match_after_evaluate_with_workers_uses_the_index_the_workers_made(cluster, tiny_models, corpus_file, tmp_path,
                                                                           monkeypatch, capsys):
    from rnnlens.cli.main import main
    from rnnlens.service import AnalysisService

    common = ["--model", "tiny-lstm-lm", "--corpus", str(corpus_file), "--model-path", str(tiny_models)]
    query = ["match", "--text", "i love the food though the movie was terrible !", "--threshold", "0.05", "--json",
             *common]
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "alone"))
    assert main(query) == 0
    alone = json.loads(capsys.readouterr().out)

    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "spread"))
    assert main(["evaluate", "--workers", "2", *common]) == 0
    capsys.readouterr()

    def no_second_evaluation(*args, **kwargs):
        raise AssertionError("match evaluated the corpus again")

    monkeypatch.setattr(AnalysisService, "_compute_stats", no_second_evaluation)
    assert main(query) == 0
    spread = json.loads(capsys.readouterr().out)
    assert spread["matches"] and spread["matches"] == alone["matches"]
    assert spread["searched"] == alone["searched"]
