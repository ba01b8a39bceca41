"""Generated from protocol/commands.json by protocol/generate.py: do not edit.

The language server's palette commands (workspace/executeCommand, ids rnnlens.server.NAME): each command's arguments, the one definition that the server validates against and that the Python and TypeScript types are generated from (python protocol/generate.py). Arguments come as one object ([{"layer": 2, "k": 8}]) or positionally in the order listed here; null means absent. Argument types: str, int (a whole JSON number; `minimum`/`maximum` bound it), enum (one of `values`), position ({line, character}: LSP zero-based, in the client's position encoding), str_or_list (a string or a list of strings). A command whose arguments are wrong answers {error: SENTENCE} (CommandError); so does one that fails; a cancelled one answers {cancelled: true} (CommandCancelled). Otherwise it answers its `result`: a record from `records` (or one of a list of them). Record field types: str, int, float, bool, any, enum<a|b|...> (one of these strings), list<T>, T? (null allowed), or a record name; fields named in `optional` may be absent. Results may carry more keys than listed (receivers ignore keys they do not know). `notifications`: what the server sends the editor unasked (method, and `params`: a record or one of a list of them).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

COMMAND_PREFIX = "rnnlens.server."
COMMANDS: dict[str, Any] = {'selectModel': {'title': 'Select model',
                 'doc': 'Without a model: the models the server can load and the current one ({models, '
                        "current}). With one: switch to it (the model's description).",
                 'arguments': {'model': {'type': 'str', 'doc': 'a model name or folder'}},
                 'result': ['ModelList', 'ModelRow']},
 'evaluate': {'title': 'Evaluate a corpus',
              'long': True,
              'doc': 'Expected responses of the model over a corpus ({model, corpus, tokens, words}); '
                     "without a corpus, the workspace's .txt and .md files.",
              'arguments': {'corpus': {'type': 'str_or_list',
                                       'doc': 'a corpus name, a file, or a list of files'},
                            'model': {'type': 'str',
                                      'doc': 'a model name or folder (default: the current model)'}},
              'result': 'Evaluation'},
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
                                       'doc': 'a model name or folder (default: the current model)'}},
               'result': 'CoclusterSummary'},
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
                                         'doc': 'a model name or folder (default: the current model)'}},
                 'result': 'UnitExplanation'},
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
                                 'k': {'type': 'int', 'minimum': 2, 'maximum': 64, 'doc': 'unit clusters'}},
                   'result': 'ModelComparison'},
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
                                             'doc': 'a model name or folder (default: the current model)'}},
                     'result': 'SentenceGlyphs'},
 'findPatterns': {'title': 'Find similar memory patterns',
                  'long': True,
                  'doc': 'Pattern search (LSTMVis select/match) on a selection of an open document: the '
                         "units on over every selected token (the hypothesis), and the spans of the model's "
                         'corpus where the same units are on, best first. The matches are written to a '
                         'read-only results file (one line a match, with its context) and answered as '
                         'locations into it, for the editor to step through.',
                  'arguments': {'uri': {'type': 'str', 'required': True, 'doc': 'the open document'},
                                'start': {'type': 'position',
                                          'required': True,
                                          'doc': 'where the selection starts'},
                                'end': {'type': 'position',
                                        'required': True,
                                        'doc': 'where the selection ends'},
                                'threshold': {'type': 'enum',
                                              'values': ['0.05', '0.1', '0.2', '0.3', '0.5'],
                                              'doc': 'a unit is on above this (default: the highest that '
                                                     'keeps 3 units on over the selection)'},
                                'layer': {'type': 'int',
                                          'minimum': 1,
                                          'maximum': 64,
                                          'doc': '1-based layer (default: the setting)'},
                                'top': {'type': 'int',
                                        'minimum': 1,
                                        'maximum': 500,
                                        'doc': 'matches to list (default 50)'},
                                'model': {'type': 'str',
                                          'doc': 'a model name or folder (default: the current model)'}},
                  'result': 'PatternMatches'}}
RECORDS: dict[str, Any] = {'CommandError': {'doc': 'Wrong arguments, or the command failed: a sentence for the user.',
                  'fields': {'error': 'str'}},
 'CommandCancelled': {'doc': 'The user cancelled a long command.', 'fields': {'cancelled': 'bool'}},
 'ModelRow': {'doc': 'One model as `rnnlens models --json` lists it; a model that fails to load has only '
                     'name and error.',
              'fields': {'name': 'str',
                         'task': 'str',
                         'cell': 'str',
                         'layers': 'int',
                         'hidden_size': 'int',
                         'vocab_size': 'int',
                         'labels': 'list<str>',
                         'error': 'str?'},
              'optional': ['task', 'cell', 'layers', 'hidden_size', 'vocab_size', 'labels', 'error']},
 'ModelList': {'doc': 'The models the server can load, and the one in use.',
               'fields': {'models': 'list<ModelRow>', 'current': 'str?'}},
 'Evaluation': {'doc': 'What an evaluation counted; `provenance` names the statistics (model, corpus, split, '
                       'tokens, ...).',
                'fields': {'model': 'str',
                           'corpus': 'str',
                           'tokens': 'int',
                           'words': 'int',
                           'unknown_rate': 'float',
                           'in_use': 'bool',
                           'provenance': 'any'},
                'optional': ['unknown_rate', 'in_use', 'provenance']},
 'CoclusterSummary': {'doc': 'Word clusters (words, strongest first), unit clusters (unit numbers) and the '
                             'signed links between them.',
                      'fields': {'layer': 'int',
                                 'state': 'str',
                                 'k': 'int',
                                 'word_clusters': 'list<list<str>>',
                                 'unit_clusters': 'list<list<int>>',
                                 'links': 'list<list<float>>',
                                 'provenance': 'any'},
                      'optional': ['provenance']},
 'WordResponse': {'doc': "A word's mean response at one unit, and how often the statistics saw it.",
                  'fields': {'word': 'str', 'mean': 'float', 'count': 'int'}},
 'UnitExplanation': {'doc': 'The words that raise (positive) and lower (negative) one unit the most.',
                     'fields': {'model': 'str',
                                'layer': 'int',
                                'state': 'str',
                                'unit': 'int',
                                'min_count': 'int',
                                'positive': 'list<WordResponse>',
                                'negative': 'list<WordResponse>',
                                'provenance': 'any'},
                     'optional': ['provenance']},
 'ModelComparison': {'doc': "Two models' co-clusterings matched; `texts`: both models' glyphs of the "
                            'document, when one was given; `provenance`: the statistics of model A and of '
                            'model B.',
                     'fields': {'models': 'list<str>',
                                'similarity': 'float',
                                'coclusters': 'list<any>',
                                'alignment': 'any',
                                'texts': 'list<any>',
                                'provenance': 'list<any>'},
                     'optional': ['texts']},
 'CommandRange': {'doc': 'An LSP range.', 'fields': {'start': 'CommandPosition', 'end': 'CommandPosition'}},
 'CommandPosition': {'doc': "An LSP position (zero-based, in the client's position encoding).",
                     'fields': {'line': 'int', 'character': 'int'}},
 'SentenceGlyphs': {'doc': 'Glyphs of one sentence (per token and per unit), and where the sentence is in '
                           'the document; `provenance`: the statistics its unit clusters come from.',
                    'fields': {'layer': 'int',
                               'state': 'str',
                               'k': 'int',
                               'tokens': 'list<any>',
                               'range': 'CommandRange',
                               'provenance': 'any'}},
 'ClustersComputing': {'doc': "A co-clustering of the current view's units started in the background (the "
                              'glyphs wait for it).',
                       'fields': {'clusters': 'enum<computing>',
                                  'model': 'str',
                                  'layer': 'int',
                                  'state': 'str',
                                  'k': 'int',
                                  'corpus': 'any'}},
 'ClustersReady': {'doc': 'The glyphs show these clusters: model, 1-based layer, state (h or c) and k; '
                          '`corpus` is the rnnlens.corpus setting (a name, a file, a list of files, or null '
                          "for the model's own); `provenance` names the statistics behind them (a Provenance "
                          'of protocol/messages.json, or null when unknown).',
                   'fields': {'clusters': 'enum<ready>',
                              'model': 'str',
                              'layer': 'int',
                              'state': 'str',
                              'k': 'int',
                              'corpus': 'any',
                              'provenance': 'any'}},
 'ClustersFailed': {'doc': 'The co-clustering failed, so no glyphs are shown: `error` says why, naming the '
                           'model or setting at fault.',
                    'fields': {'clusters': 'enum<failed>', 'model': 'str', 'corpus': 'any', 'error': 'str'}},
 'PatternLocation': {'doc': "An LSP location: a match's span in the results file.",
                     'fields': {'uri': 'str', 'range': 'CommandRange'}},
 'PatternMatches': {'doc': "Corpus spans where the selection's units are on: `locations` point into the "
                           "results file `uri` (one line a match), `matches` hold each span's document, "
                           'character offsets, text, score (Jaccard x length factor), jaccard and shared '
                           'units; `query` the hypothesis (state, threshold, units, tokens).',
                    'fields': {'model': 'str',
                               'corpus': 'str',
                               'uri': 'str',
                               'position': 'CommandPosition',
                               'locations': 'list<PatternLocation>',
                               'matches': 'list<any>',
                               'query': 'any',
                               'provenance': 'any'}}}
NOTIFICATIONS: dict[str, Any] = {'status': {'method': 'rnnlens/status',
            'doc': "Where the unit clusters behind the editor's glyphs stand (the status bar and the panel "
                   'follow it).',
            'params': ['ClustersComputing', 'ClustersReady', 'ClustersFailed']}}

STATUS_NOTIFICATION = "rnnlens/status"


class CommandError(TypedDict):
    """Wrong arguments, or the command failed: a sentence for the user."""

    error: str


class CommandCancelled(TypedDict):
    """The user cancelled a long command."""

    cancelled: bool


class _ModelRowRequired(TypedDict):
    name: str


class ModelRow(_ModelRowRequired, total=False):
    """One model as `rnnlens models --json` lists it; a model that fails to load has only name and error."""

    task: str
    cell: str
    layers: int
    hidden_size: int
    vocab_size: int
    labels: list[str]
    error: str | None


class ModelList(TypedDict):
    """The models the server can load, and the one in use."""

    models: list[ModelRow]
    current: str | None


class _EvaluationRequired(TypedDict):
    model: str
    corpus: str
    tokens: int
    words: int


class Evaluation(_EvaluationRequired, total=False):
    """What an evaluation counted; `provenance` names the statistics (model, corpus, split, tokens, ...)."""

    unknown_rate: float
    in_use: bool
    provenance: Any


class _CoclusterSummaryRequired(TypedDict):
    layer: int
    state: str
    k: int
    word_clusters: list[list[str]]
    unit_clusters: list[list[int]]
    links: list[list[float]]


class CoclusterSummary(_CoclusterSummaryRequired, total=False):
    """Word clusters (words, strongest first), unit clusters (unit numbers) and the signed links between them."""

    provenance: Any


class WordResponse(TypedDict):
    """A word's mean response at one unit, and how often the statistics saw it."""

    word: str
    mean: float
    count: int


class _UnitExplanationRequired(TypedDict):
    model: str
    layer: int
    state: str
    unit: int
    min_count: int
    positive: list[WordResponse]
    negative: list[WordResponse]


class UnitExplanation(_UnitExplanationRequired, total=False):
    """The words that raise (positive) and lower (negative) one unit the most."""

    provenance: Any


class _ModelComparisonRequired(TypedDict):
    models: list[str]
    similarity: float
    coclusters: list[Any]
    alignment: Any
    provenance: list[Any]


class ModelComparison(_ModelComparisonRequired, total=False):
    """Two models' co-clusterings matched; `texts`: both models' glyphs of the document, when one was given; `provenance`: the statistics of model A and of model B."""

    texts: list[Any]


class CommandRange(TypedDict):
    """An LSP range."""

    start: CommandPosition
    end: CommandPosition


class CommandPosition(TypedDict):
    """An LSP position (zero-based, in the client's position encoding)."""

    line: int
    character: int


class SentenceGlyphs(TypedDict):
    """Glyphs of one sentence (per token and per unit), and where the sentence is in the document; `provenance`: the statistics its unit clusters come from."""

    layer: int
    state: str
    k: int
    tokens: list[Any]
    range: CommandRange
    provenance: Any


class ClustersComputing(TypedDict):
    """A co-clustering of the current view's units started in the background (the glyphs wait for it)."""

    clusters: Literal["computing"]
    model: str
    layer: int
    state: str
    k: int
    corpus: Any


class ClustersReady(TypedDict):
    """The glyphs show these clusters: model, 1-based layer, state (h or c) and k; `corpus` is the rnnlens.corpus setting (a name, a file, a list of files, or null for the model's own); `provenance` names the statistics behind them (a Provenance of protocol/messages.json, or null when unknown)."""

    clusters: Literal["ready"]
    model: str
    layer: int
    state: str
    k: int
    corpus: Any
    provenance: Any


class ClustersFailed(TypedDict):
    """The co-clustering failed, so no glyphs are shown: `error` says why, naming the model or setting at fault."""

    clusters: Literal["failed"]
    model: str
    corpus: Any
    error: str


class PatternLocation(TypedDict):
    """An LSP location: a match's span in the results file."""

    uri: str
    range: CommandRange


class PatternMatches(TypedDict):
    """Corpus spans where the selection's units are on: `locations` point into the results file `uri` (one line a match), `matches` hold each span's document, character offsets, text, score (Jaccard x length factor), jaccard and shared units; `query` the hypothesis (state, threshold, units, tokens)."""

    model: str
    corpus: str
    uri: str
    position: CommandPosition
    locations: list[PatternLocation]
    matches: list[Any]
    query: Any
    provenance: Any


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


class _FindPatternsArgumentsRequired(TypedDict):
    uri: str
    start: CommandPosition
    end: CommandPosition


class FindPatternsArguments(_FindPatternsArgumentsRequired, total=False):
    """Pattern search (LSTMVis select/match) on a selection of an open document: the units on over every selected token (the hypothesis), and the spans of the model's corpus where the same units are on, best first. The matches are written to a read-only results file (one line a match, with its context) and answered as locations into it, for the editor to step through."""

    threshold: Literal["0.05", "0.1", "0.2", "0.3", "0.5"] | None
    layer: int | None
    top: int | None
    model: str | None


# rnnlens/status: Where the unit clusters behind the editor's glyphs stand (the status bar and the panel follow it).
StatusParams = ClustersComputing | ClustersReady | ClustersFailed
