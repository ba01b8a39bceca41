"""Generated from protocol/commands.json by protocol/generate.py: do not edit.

The language server's palette commands (workspace/executeCommand, ids rnnlens.server.NAME): each command's arguments, the one definition that the server validates against and that the Python and TypeScript types are generated from (python protocol/generate.py). Arguments come as one object ([{"layer": 2, "k": 8}]) or positionally in the order listed here; null means absent. Argument types: str, int (a whole JSON number; `minimum`/`maximum` bound it), enum (one of `values`), position ({line, character}: LSP zero-based, in the client's position encoding), str_or_list (a string or a list of strings). A command whose arguments are wrong answers {error: SENTENCE}; so does one that fails; a cancelled one answers {cancelled: true}.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

COMMAND_PREFIX = "rnnlens.server."
COMMANDS: dict[str, Any] = {'selectModel': {'title': 'Select model',
                 'doc': 'Without a model: the models the server can load and the current one ({models, '
                        "current}). With one: switch to it (the model's description).",
                 'arguments': {'model': {'type': 'str', 'doc': 'a model name or folder'}}},
 'evaluate': {'title': 'Evaluate a corpus',
              'long': True,
              'doc': 'Expected responses of the model over a corpus ({model, corpus, tokens, words}); '
                     "without a corpus, the workspace's .txt and .md files.",
              'arguments': {'corpus': {'type': 'str_or_list',
                                       'doc': 'a corpus name, a file, or a list of files'},
                            'model': {'type': 'str',
                                      'doc': 'a model name or folder (default: the current model)'}}},
 'cocluster': {'title': 'Co-cluster',
               'long': True,
               'doc': "Co-clustering of the model's most frequent words and the hidden units of one "
                      'layer/state (a Coclustering record as JSON).',
               'arguments': {'layer': {'type': 'int',
                                       'minimum': 1,
                                       'maximum': 64,
                                       'doc': '1-based layer (default: the setting)'},
                             'state': {'type': 'enum',
                                       'values': ['h', 'c'],
                                       'doc': 'hidden state h or LSTM cell state c'},
                             'k': {'type': 'int', 'minimum': 2, 'maximum': 64, 'doc': 'unit clusters'},
                             'words': {'type': 'int',
                                       'minimum': 2,
                                       'maximum': 5000,
                                       'doc': 'most frequent words to cluster (default 300)'},
                             'model': {'type': 'str',
                                       'doc': 'a model name or folder (default: the current model)'}}},
 'explainUnit': {'title': 'Explain a unit',
                 'doc': 'The words that raise and lower one hidden unit the most ({positive, negative, '
                        '...}).',
                 'arguments': {'unit': {'type': 'int',
                                        'minimum': 0,
                                        'maximum': 100000,
                                        'required': True,
                                        'doc': '0-based unit number'},
                               'layer': {'type': 'int',
                                         'minimum': 1,
                                         'maximum': 64,
                                         'doc': '1-based layer (default: the setting)'},
                               'state': {'type': 'enum',
                                         'values': ['h', 'c'],
                                         'doc': 'hidden state h or LSTM cell state c'},
                               'top': {'type': 'int',
                                       'minimum': 1,
                                       'maximum': 1000,
                                       'doc': 'words listed each way (default 10)'},
                               'model': {'type': 'str',
                                         'doc': 'a model name or folder (default: the current model)'}}},
 'compareModels': {'title': 'Compare models',
                   'long': True,
                   'doc': 'Matched unit clusters of two models and a similarity score; with a document, both '
                          "models' glyphs of its text.",
                   'arguments': {'modelA': {'type': 'str',
                                            'doc': 'the first model (default: the current model)'},
                                 'modelB': {'type': 'str', 'required': True, 'doc': 'the second model'},
                                 'uri': {'type': 'str',
                                         'doc': 'an open document whose text both models read'},
                                 'layer': {'type': 'int',
                                           'minimum': 1,
                                           'maximum': 64,
                                           'doc': '1-based layer (default: the setting)'},
                                 'state': {'type': 'enum',
                                           'values': ['h', 'c'],
                                           'doc': 'hidden state h or LSTM cell state c'},
                                 'k': {'type': 'int', 'minimum': 2, 'maximum': 64, 'doc': 'unit clusters'}}},
 'explainSentence': {'title': 'Explain the sentence',
                     'long': True,
                     'doc': 'Glyphs of the sentence around a position of an open document (a GlyphSequence '
                            'record as JSON, plus its `range`).',
                     'arguments': {'uri': {'type': 'str', 'required': True, 'doc': 'the open document'},
                                   'position': {'type': 'position',
                                                'doc': "where the sentence is (default: the document's "
                                                       'start)'},
                                   'layer': {'type': 'int',
                                             'minimum': 1,
                                             'maximum': 64,
                                             'doc': '1-based layer (default: the setting)'},
                                   'state': {'type': 'enum',
                                             'values': ['h', 'c'],
                                             'doc': 'hidden state h or LSTM cell state c'},
                                   'k': {'type': 'int', 'minimum': 2, 'maximum': 64, 'doc': 'unit clusters'},
                                   'model': {'type': 'str',
                                             'doc': 'a model name or folder (default: the current model)'}}}}


class CommandPosition(TypedDict):
    line: int
    character: int


class SelectModelArguments(TypedDict, total=False):
    """Without a model: the models the server can load and the current one ({models, current}). With one: switch to it (the model's description)."""

    model: str | None


class EvaluateArguments(TypedDict, total=False):
    """Expected responses of the model over a corpus ({model, corpus, tokens, words}); without a corpus, the workspace's .txt and .md files."""

    corpus: str | list[str] | None
    model: str | None


class CoclusterArguments(TypedDict, total=False):
    """Co-clustering of the model's most frequent words and the hidden units of one layer/state (a Coclustering record as JSON)."""

    layer: int | None
    state: Literal["h", "c"] | None
    k: int | None
    words: int | None
    model: str | None


class _ExplainUnitArgumentsRequired(TypedDict):
    unit: int


class ExplainUnitArguments(_ExplainUnitArgumentsRequired, total=False):
    """The words that raise and lower one hidden unit the most ({positive, negative, ...})."""

    layer: int | None
    state: Literal["h", "c"] | None
    top: int | None
    model: str | None


class _CompareModelsArgumentsRequired(TypedDict):
    modelB: str


class CompareModelsArguments(_CompareModelsArgumentsRequired, total=False):
    """Matched unit clusters of two models and a similarity score; with a document, both models' glyphs of its text."""

    modelA: str | None
    uri: str | None
    layer: int | None
    state: Literal["h", "c"] | None
    k: int | None


class _ExplainSentenceArgumentsRequired(TypedDict):
    uri: str


class ExplainSentenceArguments(_ExplainSentenceArgumentsRequired, total=False):
    """Glyphs of the sentence around a position of an open document (a GlyphSequence record as JSON, plus its `range`)."""

    position: CommandPosition | None
    layer: int | None
    state: Literal["h", "c"] | None
    k: int | None
    model: str | None
