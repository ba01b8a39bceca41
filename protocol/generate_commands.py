"""Python and TypeScript types of the server's palette commands, from protocol/commands.json.

Run through `python protocol/generate.py` (which writes and checks these files with the message
types). Outputs: server/rnnlens/protocol/commands.py (the definitions the server validates
against, and a TypedDict of each command's arguments) and extension/src/protocol/commands.ts
(an interface of each command's arguments and the command ids).
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
HEADER = "Generated from protocol/commands.json by protocol/generate.py: do not edit."


def load_commands(path: Path = COMMANDS_PATH) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for name, spec in schema["commands"].items():
        for argument, definition in spec["arguments"].items():
            if definition["type"] not in ARGUMENT_TYPES:
                raise ValueError(f"protocol/commands.json: {name}.{argument} has unknown type {definition['type']!r}")
    return schema


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
           "COMMANDS: dict[str, Any] = " + pprint.pformat(schema["commands"], width=110, sort_dicts=False), "", "",
           "class CommandPosition(TypedDict):", "    line: int", "    character: int", "", ""]
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
    return "\n".join(out).rstrip() + "\n"


def render_typescript(schema: dict[str, Any]) -> str:
    out = [f"// {HEADER}", f"/** {schema['doc']} */", "",
           "export interface CommandPosition {", "  line: number;", "  character: number;", "}", "",
           "/** What a command answers when its arguments are wrong or it failed. */",
           "export interface CommandError {", "  error: string;", "}", "",
           "/** What a long command answers when the user cancelled it. */",
           "export interface CommandCancelled {", "  cancelled: true;", "}", ""]
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
    out += ["}", ""]
    return "\n".join(out)


def outputs(schema: dict[str, Any] | None = None) -> dict[Path, str]:
    schema = schema or load_commands()
    return {PYTHON_OUT: render_python(schema), TS_OUT: render_typescript(schema)}
