"""Distributed evaluation on a local 2-worker Ray cluster equals one process's, also when a worker dies."""

import numpy as np
import pytest
import ray  # the `ray` extra, installed by scripts/setup.sh: missing, these tests fail rather than skip
from rnnlens.analysis import evaluation, ray_evaluation
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.ray_evaluation import RayOptions, RayReport, evaluate_on_ray
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.models.storage import load_model


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


def test_two_workers_give_the_single_process_statistics(cluster, lstm, small_batches):
    docs = _documents(lstm)
    single = evaluate_documents(lstm, lambda: iter(docs))
    report = RayReport()
    seen = []
    merged = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), report=report,
                             progress=lambda f, m: seen.append(f))
    _assert_same(single, merged)
    assert report.workers == 2 and report.batches > 4 and report.worker_deaths == 0
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_one_worker_gives_the_same_statistics_as_two(cluster, lstm, small_batches):
    docs = _documents(lstm)
    one = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=1))
    two = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2))
    _assert_same(one, two)


def test_a_killed_worker_has_its_batches_retried_and_none_counted_twice(cluster, lstm, small_batches):
    docs = _documents(lstm)
    single = evaluate_documents(lstm, lambda: iter(docs))
    killed = []

    def kill_one(acknowledged, actors):
        if acknowledged == 3 and not killed:
            killed.append(actors[0])
            ray.kill(actors[0], no_restart=True)

    report = RayReport()
    merged = evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), report=report, after_batch=kill_one)
    assert killed and report.worker_deaths >= 1 and report.retried_batches >= 1
    _assert_same(single, merged)


def test_cancel_stops_the_workers(cluster, lstm, small_batches):
    docs = _documents(lstm)
    actors = []  # the live actors, once a batch is done: then cancel
    with pytest.raises(Cancelled):
        evaluate_on_ray(lstm, lambda: iter(docs), RayOptions(workers=2), cancel=lambda: bool(actors),
                        after_batch=lambda done, live: actors.extend(live))
    assert actors
    for actor in actors:
        with pytest.raises(ray.exceptions.RayActorError):
            ray.get(actor.pid.remote(), timeout=30)


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
