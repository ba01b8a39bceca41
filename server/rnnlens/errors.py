"""The one exception type whose message is meant for the user, not a traceback."""


class RnnLensError(Exception):
    """A problem the user can act on (bad file, unknown name, wrong setting).

    The CLI prints the message and exits non-zero; the language server shows it with
    window/showMessage; the stream sends it as an error message. Never a traceback.
    """


class Cancelled(RnnLensError):
    """The caller asked to stop a long analysis (the cancel callback returned True)."""


class NoCorpusError(RnnLensError):
    """No statistics were chosen and the model names no corpus of its own.

    A class of its own so callers that have a stand-in (analysing a text on its own statistics)
    can catch exactly this case, never by reading the message.
    """
