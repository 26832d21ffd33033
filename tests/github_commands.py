"""The GitHub Actions runner's workflow-command parser, ported to read `--format github` output.

Follows `actions/runner` `src/Runner.Common/ActionCommand.cs` (`TryParseV2`): a line is a command
when, after leading spaces, it starts with `::`, has a second `::`, and names a registered
command; properties are split on `,` then on the first `=`, and values and data are unescaped in
the runner's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGISTERED = frozenset({"error", "warning", "notice", "debug", "group", "endgroup", "add-mask",
                        "set-output", "save-state", "add-matcher", "remove-matcher", "echo"})
_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


@dataclass
class Command:
    name: str
    data: str
    properties: dict[str, str] = field(default_factory=dict)


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, token in mappings:
        text = text.replace(escaped, token)
    return text


def parse(line: str) -> Command | None:
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, rest = info.partition(" ")
    if name not in REGISTERED:
        return None
    command = Command(name, _unescape(message[end + 2:], _DATA))
    if rest:
        for item in (p for p in rest.strip().split(",") if p):
            key, sep, value = item.partition("=")
            if sep and key and value:
                command.properties[key.lower()] = _unescape(value, _PROPERTY)
    return command
