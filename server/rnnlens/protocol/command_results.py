"""Check a palette command's answer, or a notification's params, against protocol/commands.json.

The tests send every command through a real client, and record every notification the server
sends, and check them here, so the definition the TypeScript side is generated from cannot drift
from what the server sends.
"""

from __future__ import annotations

from typing import Any

from rnnlens.protocol.commands import COMMANDS, NOTIFICATIONS, RECORDS

ALWAYS_POSSIBLE = ("CommandError", "CommandCancelled")


def _type_problem(expr: str, value: Any, where: str) -> str | None:
    if expr.endswith("?"):
        return None if value is None else _type_problem(expr[:-1], value, where)
    if expr.startswith("list<"):
        if not isinstance(value, list):
            return f"{where} must be a list, got {type(value).__name__}"
        for index, item in enumerate(value):
            problem = _type_problem(expr[len("list<"):-1], item, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if expr == "any":
        return None
    if expr.startswith("enum<"):
        values = expr[len("enum<"):-1].split("|")
        return None if value in values else f"{where} must be one of {values}, got {value!r:.60}"
    if expr == "str":
        return None if isinstance(value, str) else f"{where} must be a string, got {value!r:.60}"
    if expr == "bool":
        return None if isinstance(value, bool) else f"{where} must be true or false, got {value!r:.60}"
    if expr == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{where} must be a whole number, got {value!r:.60}"
    if expr == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"{where} must be a number, got {value!r:.60}"
    return record_problem(expr, value, where)


def record_problem(record: str, value: Any, where: str = "result") -> str | None:
    """None when `value` is a valid `record`, else what is wrong (extra keys are allowed)."""
    spec = RECORDS[record]
    if not isinstance(value, dict):
        return f"{where} must be a {record} object, got {type(value).__name__}"
    optional = set(spec.get("optional", []))
    for field, expr in spec["fields"].items():
        if field not in value:
            if field in optional:
                continue
            return f"{where} ({record}) lacks {field!r}"
        problem = _type_problem(expr, value[field], f"{where}.{field}")
        if problem:
            return problem
    return None


def result_problem(command: str, value: Any) -> str | None:
    """None when `value` is something `command` may answer (its result, an error, a cancel)."""
    result = COMMANDS[command]["result"]
    candidates = ([result] if isinstance(result, str) else list(result)) + list(ALWAYS_POSSIBLE)
    return _one_of(candidates, value, "result")


def _one_of(candidates: list[str], value: Any, where: str) -> str | None:
    problems = [record_problem(record, value, where) for record in candidates]
    if any(problem is None for problem in problems):
        return None
    return "; ".join(f"as {record}: {problem}" for record, problem in zip(candidates, problems, strict=True))


def notification_problem(method: str, value: Any) -> str | None:
    """None when `value` is valid params of the server notification `method` (e.g. rnnlens/status)."""
    for spec in NOTIFICATIONS.values():
        if spec["method"] == method:
            params = spec["params"]
            return _one_of([params] if isinstance(params, str) else list(params), value, "params")
    return f"{method} is not a notification of protocol/commands.json"
