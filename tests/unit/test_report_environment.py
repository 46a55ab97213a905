"""The site's Jinja environment reads ``x.name`` of a plain dict as Jinja does (attribute first, then the
key), only without raising an AttributeError for every key."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from dealstudy.report.environment import environment


def _jinja(source: str, **values: Any) -> str:
    """``source`` rendered by a plain Jinja environment with the site's settings."""
    plain = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return plain.from_string(source).render(**values)


class _Row(dict[str, Any]):
    """A dict subclass with an attribute of its own (read as the attribute, as Jinja does)."""

    text = "attribute"


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("{{ c.text }}|{{ c.n }}", {"c": {"text": "a<b", "n": 3}}, "a&lt;b|3"),
        ("{{ c.items()|list|length }}", {"c": {"items": "key, not the method", "x": 1}}, "2"),
        ("{{ c.keys is defined }}|{{ c.get('k') }}", {"c": {"k": "v"}}, "True|v"),
        ("{{ c.sub is defined and c.sub }}|{{ c.none }}", {"c": {"none": None}}, "False|None"),
        ("{{ c.text }}", {"c": _Row(text="key")}, "attribute"),
        ("{{ c.real }}", {"c": 2}, "2"),
    ],
    ids=["keys", "method over key", "dict methods", "missing and None", "dict subclass", "not a dict"],
)
def test_dict_lookups_give_what_jinja_gives(source: str, values: dict[str, Any], expected: str) -> None:
    ours = environment().from_string(source).render(**values)
    assert ours == expected
    assert ours == _jinja(source, **values)


def test_a_missing_key_is_the_same_error_as_in_jinja() -> None:
    source = "{{ c.missing }}"
    with pytest.raises(jinja2.UndefinedError) as plain:
        _jinja(source, c={"x": 1})
    with pytest.raises(jinja2.UndefinedError, match="'dict object' has no attribute 'missing'") as ours:
        environment().from_string(source).render(c={"x": 1})
    assert str(ours.value) == str(plain.value)
