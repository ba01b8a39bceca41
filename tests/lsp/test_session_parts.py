"""The parts LensSession is made of, each on its own: what the editor hears about clusters, popups
shown once, word profiles memoised per clustering, and the model choice following settings."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnlens.lsp.cluster_notifications import ClusterNotifications
from rnnlens.lsp.clusters import ClusterKey
from rnnlens.lsp.messages_once import MessagesOnce
from rnnlens.lsp.model_choice import ModelChoice
from rnnlens.lsp.settings import Settings
from rnnlens.lsp.word_profiles import WordProfiles
from rnnlens.protocol.command_results import notification_problem
from rnnlens.protocol.commands import STATUS_NOTIFICATION

KEY = ClusterKey("tiny-gru-lm", "abc123", 2, "h", 8, ("a.txt", "b.txt"))


class Client:
    """The editor's side: every message, status and progress event, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def show_message(self, text: str, error: bool = True) -> None:
        self.events.append(("message", text))

    def log(self, text: str) -> None:
        self.events.append(("log", text))

    def refresh_inlay_hints(self) -> None:
        self.events.append(("refresh", None))

    def start_progress(self, title: str) -> Any:
        client = self

        class Bar:
            def report(self, fraction: float, message: str) -> None:
                client.events.append(("report", fraction))

            def end(self, message: str) -> None:
                client.events.append(("end", message))

        self.events.append(("begin", title))
        return Bar()

    def status(self, payload: Any) -> None:
        self.events.append(("status", json.loads(json.dumps(payload))))  # as it crosses the wire

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]


def test_each_clustering_outcome_ends_its_progress_once_and_sends_a_status_that_fits_the_protocol():
    for error, expected in [(None, ["status", "begin", "report", "end", "status", "refresh"]),
                            ("model m names no corpus", ["status", "begin", "end", "status", "message"]),
                            ("cancelled", ["status", "begin", "end"])]:
        client = Client()
        notifications = ClusterNotifications(client, lambda key: {"model": key.model})
        report = notifications.started(KEY)
        if error is None:
            report(0.5, "half")
        notifications.done(KEY, error)
        notifications.done(KEY, error)  # a second end for the same key is not a second bar's end

        assert client.kinds()[:len(expected)] == expected
        assert client.kinds().count("end") == 1
        for kind, payload in client.events:
            if kind == "status":
                assert notification_problem(STATUS_NOTIFICATION, payload) is None, payload


def test_a_failure_shows_once_until_the_settings_change_and_a_warning_until_its_document_is_fine():
    client = Client()
    messages = MessagesOnce(client)
    for _ in range(3):
        messages.report("RNN Lens: no model")
        messages.warn("file:///big.txt", "too large")
    assert client.events == [("message", "RNN Lens: no model"), ("message", "too large")]

    messages.settings_applied(changed=False)  # another extension's settings: not a new try
    messages.report("RNN Lens: no model")
    messages.forget("file:///big.txt")
    messages.warn("file:///big.txt", "too large")
    assert len(client.events) == 3

    messages.settings_applied(changed=True)
    messages.report("RNN Lens: no model")
    assert len(client.events) == 4


def test_word_profiles_are_computed_once_per_cluster_key_and_bounded():
    profiles = WordProfiles(limit=2)
    calls: list[str] = []

    def compute(word: str) -> Any:
        calls.append(word)
        return f"profile of {word}"

    assert profiles.get(KEY, "food", lambda: compute("food")) == "profile of food"
    assert profiles.get(KEY, "food", lambda: compute("food")) == "profile of food"
    other_corpus = KEY._replace(corpus="other.txt")
    profiles.get(other_corpus, "food", lambda: compute("food"))  # other statistics: computed again
    assert calls == ["food", "food"]
    profiles.get(KEY, "staff", lambda: compute("staff"))  # over the limit: the memo starts again
    profiles.get(KEY, "food", lambda: compute("food"))
    assert calls == ["food", "food", "staff", "food"]


def test_the_model_choice_rebuilds_its_registry_when_the_folders_change_and_passes_the_corpus_on(
        tiny_models: Path):
    settings = Settings(model="tiny-gru-lm", model_paths=(str(tiny_models),))
    choice = ModelChoice(settings)
    service = choice.service
    assert choice.model().name == "tiny-gru-lm"

    assert not choice.follow(settings, replace(settings, corpus="brown"))  # same model
    assert choice.service is service and service.corpus == "brown"

    moved = replace(settings, corpus="brown", model_paths=(str(tiny_models), "/nowhere"))
    assert choice.follow(choice.settings, moved)
    assert choice.service is not service
    view = choice.view_for(choice.model())
    assert choice.cluster_key(choice.model(), view).corpus == "brown"
