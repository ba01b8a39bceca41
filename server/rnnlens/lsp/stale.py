"""`Stale`: work abandoned because its document version is gone or the client cancelled.

On its own so that the server's wiring can catch it without importing the analysis (torch)."""


class Stale(Exception):
    """The work was abandoned: its document version is gone or the client cancelled."""
