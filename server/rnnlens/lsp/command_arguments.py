"""Check a palette command's arguments against their definition in protocol/commands.json.

A command's arguments come from any client (or a user's keybinding): a wrong type or range must
be a sentence the user can act on, never a Python exception from deep inside the command.
"""

from __future__ import annotations

import math
from typing import Any

from rnnlens.errors import RnnLensError
from rnnlens.protocol.commands import COMMAND_PREFIX, COMMANDS

MAX_POSITION = 2**31 - 1  # LSP's uinteger


class CommandArgumentError(RnnLensError):
    """A command's arguments do not match its definition."""


def _whole_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or (math.isfinite(value) and value == int(value))


def _check(command: str, name: str, definition: dict[str, Any], value: Any) -> Any:
    """The value in its Python form, or CommandArgumentError saying what was expected."""
    kind = definition["type"]
    where = f"{COMMAND_PREFIX}{command}: argument '{name}'"
    if kind == "str":
        if not isinstance(value, str):
            raise CommandArgumentError(f"{where} must be a string, got {value!r}")
        return value
    if kind == "int":
        low, high = definition.get("minimum"), definition.get("maximum")
        if not _whole_number(value) or (low is not None and value < low) or (high is not None and value > high):
            bounds = f" from {low}" if low is not None else ""
            bounds += f" to {high}" if high is not None else ""
            raise CommandArgumentError(f"{where} must be a whole number{bounds}, got {value!r}")
        return int(value)
    if kind == "enum":
        if value not in definition["values"]:
            choices = " or ".join(repr(choice) for choice in definition["values"])
            raise CommandArgumentError(f"{where} must be {choices}, got {value!r}")
        return value
    if kind == "position":
        fields = ("line", "character")
        if not (isinstance(value, dict) and set(value) == set(fields)
                and all(_whole_number(value[f]) and 0 <= value[f] <= MAX_POSITION for f in fields)):
            raise CommandArgumentError(f"{where} must be an object {{line, character}} of whole numbers from 0 to "
                                       f"{MAX_POSITION}, got {value!r}")
        return {field: int(value[field]) for field in fields}
    if kind == "str_or_list":
        if isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            return value
        raise CommandArgumentError(f"{where} must be a string or a non-empty list of strings, got {value!r}")
    raise AssertionError(f"protocol/commands.json: unknown argument type {kind!r}")  # generate.py refuses these


def parse_arguments(command: str, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """The arguments of `command` as {name: value} (absent and null ones left out), each checked."""
    definitions: dict[str, dict[str, Any]] = COMMANDS[command]["arguments"]
    names = list(definitions)
    if len(arguments) == 1 and isinstance(arguments[0], dict):
        given = dict(arguments[0])
    elif len(arguments) <= len(names):
        given = dict(zip(names, arguments, strict=False))
    else:
        raise CommandArgumentError(f"{COMMAND_PREFIX}{command} takes at most {len(names)} arguments "
                                   f"({', '.join(names)}), got {len(arguments)}")
    unknown = sorted(str(key) for key in set(given) - set(names))
    if unknown:
        raise CommandArgumentError(f"{COMMAND_PREFIX}{command} does not know the argument(s) {', '.join(unknown)}; "
                                   f"it takes {', '.join(names) or 'none'}")
    options = {name: _check(command, name, definitions[name], value)
               for name, value in given.items() if value is not None}
    missing = [name for name, definition in definitions.items() if definition.get("required") and name not in options]
    if missing:
        raise CommandArgumentError(f"{COMMAND_PREFIX}{command} needs the argument(s) {', '.join(missing)}")
    return options
