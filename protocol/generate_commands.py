"""Python and TypeScript types of the server's palette commands and notifications, from protocol/commands.json.

Run through `python protocol/generate.py` (which writes and checks these files with the message
types). Outputs: server/rnnlens/protocol/commands.py (the definitions the server validates
against, a TypedDict of each command's arguments and of each result record, each notification's
method and params type) and extension/src/protocol/commands.ts (the same as interfaces, the
command ids, each command's result type by id, the notifications' methods and params types).
"""

from __future__ import annotations

import json
import pprint
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMANDS_PATH = ROOT / "protocol" / "commands.json"
PYTHON_OUT = ROOT / "server" / "rnnlens" / "protocol" / "commands.py"
TS_OUT = ROOT / "extension" / "src" / "protocol" / "commands.ts"
ARGUMENT_TYPES = {"str", "int", "enum", "position", "str_or_list"}
PY_PRIMITIVES = {"str": "str", "int": "int", "float": "float", "bool": "bool", "any": "Any"}
TS_PRIMITIVES = {"str": "string", "int": "number", "float": "number", "bool": "boolean", "any": "unknown"}
HEADER = "Generated from protocol/commands.json by protocol/generate.py: do not edit."


def load_commands(path: Path = COMMANDS_PATH) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    records = schema["records"]
    for name, spec in schema["commands"].items():
        for argument, definition in spec["arguments"].items():
            if definition["type"] not in ARGUMENT_TYPES:
                raise ValueError(f"protocol/commands.json: {name}.{argument} has unknown type {definition['type']!r}")
        for record in result_records(spec):
            if record not in records:
                raise ValueError(f"protocol/commands.json: {name} answers the unknown record {record!r}")
    for name, spec in schema.get("notifications", {}).items():
        for record in params_records(spec):
            if record not in records:
                raise ValueError(f"protocol/commands.json: notification {name} carries the unknown record {record!r}")
    for spec in records.values():
        for expr in spec["fields"].values():
            py_type(expr, records)  # raises for an unknown type
    return schema


def result_records(spec: dict[str, Any]) -> list[str]:
    result = spec["result"]
    return [result] if isinstance(result, str) else list(result)


def params_records(spec: dict[str, Any]) -> list[str]:
    params = spec["params"]
    return [params] if isinstance(params, str) else list(params)


def params_type_name(notification: str) -> str:
    return notification[0].upper() + notification[1:] + "Params"


def enum_values(expr: str) -> list[str] | None:
    """The strings of `enum<a|b>`, or None for any other type."""
    if expr.startswith("enum<") and expr.endswith(">"):
        return expr[len("enum<"):-1].split("|")
    return None


def _inner(expr: str) -> str:
    return expr[len("list<"):-1]


def py_type(expr: str, records: dict[str, Any]) -> str:
    if expr.endswith("?"):
        return f"{py_type(expr[:-1], records)} | None"
    if expr.startswith("list<"):
        return f"list[{py_type(_inner(expr), records)}]"
    if (values := enum_values(expr)) is not None:
        return "Literal[" + ", ".join(json.dumps(value) for value in values) + "]"
    if expr in PY_PRIMITIVES:
        return PY_PRIMITIVES[expr]
    if expr in records:
        return expr
    raise ValueError(f"protocol/commands.json: unknown type {expr!r}")


def ts_type(expr: str, records: dict[str, Any]) -> str:
    if expr.endswith("?"):
        return f"{ts_type(expr[:-1], records)} | null"
    if expr.startswith("list<"):
        return f"Array<{ts_type(_inner(expr), records)}>"
    if (values := enum_values(expr)) is not None:
        return " | ".join(json.dumps(value) for value in values)
    if expr in TS_PRIMITIVES:
        return TS_PRIMITIVES[expr]
    if expr in records:
        return expr
    raise ValueError(f"protocol/commands.json: unknown type {expr!r}")


def type_name(command: str) -> str:
    return command[0].upper() + command[1:] + "Arguments"


def _py_type(definition: dict[str, Any]) -> str:
    kind = definition["type"]
    if kind == "enum":
        return "Literal[" + ", ".join(json.dumps(value) for value in definition["values"]) + "]"
    return {"str": "str", "int": "int", "position": "CommandPosition", "str_or_list": "str | list[str]"}[kind]


def _ts_type(definition: dict[str, Any]) -> str:
    kind = definition["type"]
    if kind == "enum":
        return " | ".join(json.dumps(value) for value in definition["values"])
    return {"str": "string", "int": "number", "position": "CommandPosition", "str_or_list": "string | string[]"}[kind]


def render_python(schema: dict[str, Any]) -> str:
    out = [f'"""{HEADER}', "", schema["doc"], '"""', "", "from __future__ import annotations", "",
           "from typing import Any, Literal, TypedDict", "",
           "COMMAND_PREFIX = \"rnnlens.server.\"",
           "COMMANDS: dict[str, Any] = " + pprint.pformat(schema["commands"], width=110, sort_dicts=False),
           "RECORDS: dict[str, Any] = " + pprint.pformat(schema["records"], width=110, sort_dicts=False),
           "NOTIFICATIONS: dict[str, Any] = " + pprint.pformat(schema.get("notifications", {}), width=110,
                                                               sort_dicts=False), ""]
    out += [f"{name.upper()}_NOTIFICATION = {json.dumps(spec['method'])}"
            for name, spec in schema.get("notifications", {}).items()]
    out += ["", ""]
    records = schema["records"]
    for name, spec in records.items():
        optional = set(spec.get("optional", []))
        required = {f: e for f, e in spec["fields"].items() if f not in optional}
        if optional:
            if required:
                out += [f"class _{name}Required(TypedDict):"]
                out += [f"    {f}: {py_type(e, records)}" for f, e in required.items()]
                out += ["", ""]
            base = f"_{name}Required, " if required else "TypedDict, "
            out += [f"class {name}({base}total=False):", f'    """{spec["doc"]}"""', ""]
            out += [f"    {f}: {py_type(e, records)}" for f, e in spec["fields"].items() if f in optional]
        else:
            out += [f"class {name}(TypedDict):", f'    """{spec["doc"]}"""', ""]
            out += [f"    {f}: {py_type(e, records)}" for f, e in required.items()]
        out += ["", ""]
    for name, spec in schema["commands"].items():
        arguments = spec["arguments"]
        required = {a: d for a, d in arguments.items() if d.get("required")}
        optional = {a: d for a, d in arguments.items() if not d.get("required")}
        cls = type_name(name)
        if required:
            out += [f"class _{cls}Required(TypedDict):"]
            out += [f"    {a}: {_py_type(d)}" for a, d in required.items()]
            out += ["", ""]
        base = f"_{cls}Required, " if required else "TypedDict, "
        out += [f"class {cls}({base}total=False):", f'    """{spec["doc"]}"""', ""]
        out += [f"    {a}: {_py_type(d)} | None" for a, d in optional.items()] or ["    pass"]
        out += ["", ""]
    for name, spec in schema.get("notifications", {}).items():
        out += [f"# {spec['method']}: {spec['doc']}",
                f"{params_type_name(name)} = {' | '.join(params_records(spec))}", "", ""]
    return "\n".join(out).rstrip() + "\n"


def render_typescript(schema: dict[str, Any]) -> str:
    out = [f"// {HEADER}", f"/** {schema['doc']} */", ""]
    records = schema["records"]
    for name, spec in records.items():
        optional = set(spec.get("optional", []))
        out += [f"/** {spec['doc']} */", f"export interface {name} {{"]
        out += [f"  {f}{'?' if f in optional else ''}: {ts_type(e, records)};" for f, e in spec["fields"].items()]
        out += ["}", ""]
    for name, spec in schema["commands"].items():
        out += [f"/** {spec['doc']} */", f"export interface {type_name(name)} {{"]
        for argument, definition in spec["arguments"].items():
            optional = "" if definition.get("required") else "?"
            nullable = "" if definition.get("required") else " | null"
            out.append(f"  /** {definition['doc']} */")
            out.append(f"  {argument}{optional}: {_ts_type(definition)}{nullable};")
        out += ["}", ""]
    out += ["/** Each server command's id. */", "export const SERVER_COMMANDS = {"]
    out += [f'  {name}: "rnnlens.server.{name}",' for name in schema["commands"]]
    out += ["} as const;", "", "/** The arguments object of each server command, by id. */",
            "export interface ServerCommandArguments {"]
    out += [f'  "rnnlens.server.{name}": {type_name(name)};' for name in schema["commands"]]
    out += ["}", "", "/** What each server command answers, by id. */", "export interface ServerCommandResults {"]
    out += [f'  "rnnlens.server.{name}": {" | ".join(result_records(spec))} | CommandError | CommandCancelled;'
            for name, spec in schema["commands"].items()]
    out += ["}", ""]
    notifications = schema.get("notifications", {})
    for name, spec in notifications.items():
        out += [f"/** {spec['method']}: {spec['doc']} */",
                f"export type {params_type_name(name)} = {' | '.join(params_records(spec))};", ""]
    out += ["/** Each server notification's method. */", "export const SERVER_NOTIFICATIONS = {"]
    out += [f"  {name}: {json.dumps(spec['method'])}," for name, spec in notifications.items()]
    out += ["} as const;", "", "/** The params of each server notification, by method. */",
            "export interface ServerNotificationParams {"]
    out += [f"  {json.dumps(spec['method'])}: {params_type_name(name)};" for name, spec in notifications.items()]
    out += ["}", ""]
    return "\n".join(out)


def outputs(schema: dict[str, Any] | None = None) -> dict[Path, str]:
    schema = schema or load_commands()
    return {PYTHON_OUT: render_python(schema), TS_OUT: render_typescript(schema)}
