"""YAML reading and writing for the catalog.

Reading uses a subclass of PyYAML's *safe* loader that (a) rejects a key repeated in one mapping (PyYAML
would silently keep the last value) and (b) leaves an impossible date such as ``2025-13-45`` as text, so the
validator can report it against its field instead of the loader crashing. Writing uses the safe dumper with
readable numbers (``38_000_000_000``) and no aliases.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable
from typing import Any, Final

import yaml
from yaml.constructor import ConstructorError

from dealstudy.errors import CatalogProblem

__all__ = ["dump_yaml", "load_yaml_text"]


class _CatalogRules:
    """The duplicate-key rule of the catalog's loaders (mixed into a safe loader)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if isinstance(key, Hashable) and key in seen:
                raise ConstructorError(
                    None, None, f"duplicate key '{key}' (a key may appear only once)", key_node.start_mark
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]


def _lenient_timestamp(loader: Any, node: yaml.ScalarNode) -> object:
    """A timestamp, or its text when it is not a valid one (the validator reports it against its field)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError, AttributeError, TypeError):
        # e.g. 2025-13-45, or an offset with seconds that the resolver accepts but the constructor not
        return str(node.value)


class _CatalogLoader(_CatalogRules, yaml.SafeLoader):
    """Safe loader (PyYAML's pure-Python parser) that refuses duplicate keys and keeps invalid timestamps as
    text; its error messages (line, column, problem) are the ones reported."""


_CatalogLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)

_FastCatalogLoader: Any = None
if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml (its wheels are): the same rules, parsed in C

    class _CSafeCatalogLoader(_CatalogRules, yaml.CSafeLoader):
        """:class:`_CatalogLoader` on libyaml's parser: about 8x faster on the shipped catalog."""

    _CSafeCatalogLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)
    _FastCatalogLoader = _CSafeCatalogLoader


def load_yaml_text(text: str, file: str) -> tuple[object, list[CatalogProblem]]:
    """Parse YAML text safely; a syntax error becomes one problem naming the file, line and column.

    The text is parsed by libyaml when PyYAML has it; any error there is left to the pure-Python loader,
    which reads the text again and reports it (the messages stay those of one parser, and a text only the
    pure-Python parser accepts is still accepted).
    """
    if _FastCatalogLoader is not None:
        try:
            return yaml.load(text, Loader=_FastCatalogLoader), []  # a safe loader: safe
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.load(text, Loader=_CatalogLoader), []  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "invalid YAML"
        return None, [CatalogProblem(file, "", "", f"YAML syntax error{where}: {what}")]
    except yaml.YAMLError as exc:
        return None, [CatalogProblem(file, "", "", f"YAML error: {' '.join(str(exc).split())}")]
    except RecursionError:
        return None, [CatalogProblem(file, "", "", "YAML error: nesting too deep")]


class _CatalogDumper(yaml.SafeDumper):
    """Safe dumper: no aliases, readable integers, ISO instants as quoted text."""

    def ignore_aliases(self, data: object) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key, as people write them


_UNUSUAL_BREAKS: Final = ("\r", "\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _UNUSUAL_BREAKS):  # only double quotes keep these characters intact
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if (
        len(value) > 100 and " " in value
    ):  # long prose reads best as a folded block; the emitter falls back to quotes if needed
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_str(value)


def _represent_int(dumper: yaml.SafeDumper, value: int) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:int", f"{value:_}")


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return _represent_int(dumper, int(value))
    text = repr(value)
    if math.isfinite(value):
        mantissa, _, exponent = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        if exponent and exponent[0] not in "+-":
            exponent = "+" + exponent
        text = mantissa + ("e" + exponent if exponent else "")
    else:  # not written by the catalog (validation rejects it), kept for completeness
        text = ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.ScalarNode:
    return dumper.represent_str(value.isoformat())


_CatalogDumper.add_representer(str, _represent_str)
_CatalogDumper.add_representer(int, _represent_int)
_CatalogDumper.add_representer(float, _represent_float)
_CatalogDumper.add_representer(dt.datetime, _represent_datetime)


def dump_yaml(data: object) -> str:
    """Dump plain data (dicts, lists, text, numbers, dates) as block-style YAML in insertion order."""
    return yaml.dump(
        data,
        Dumper=_CatalogDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=110,
    )
