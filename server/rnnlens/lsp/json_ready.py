"""`JsonReadyHints`: inlay hints already in JSON form, passed through pygls' converter as they are.

On its own so that the server registers the pass-through before it imports the analysis (torch)."""

from typing import Any


class JsonReadyHints(list[dict[str, Any]]):
    """Hints already in JSON form. The server tells pygls' converter to pass this type through
    as it is (walking hundreds of plain dicts with cattrs cost about 1 ms per request)."""
