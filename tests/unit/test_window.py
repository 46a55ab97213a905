"""The event-window value type: parsing, text form, order, validation, and its use in the spec and the CLI."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealstudy.cli import main
from dealstudy.errors import SpecificationError
from dealstudy.study import StudySpec
from dealstudy.window import Window, WindowError


def test_parse_and_text_round_trip() -> None:
    w = Window.parse(" -5:10 ")
    assert (w.start, w.end, w.length) == (-5, 10, 16)
    assert str(w) == "-5:10"
    assert Window.parse(str(w)) == w
    assert repr(w) == "Window(-5, 10)"


def test_order_equality_and_hash_match_the_pair() -> None:
    windows = [Window(0, 10), Window(-1, 1), Window(0, 0), Window(-1, 0)]
    assert [str(w) for w in sorted(windows)] == ["-1:0", "-1:1", "0:0", "0:10"]
    assert Window(-1, 1) == (-1, 1)
    assert {(-1, 1): "x"}[Window(-1, 1)] == "x"
    a, b = Window(-2, 3)
    assert (a, b) == (-2, 3)
    with pytest.raises(AttributeError):
        Window(0, 1).start = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2:1", "window '2:1': START must not be after END"),
        ("a:b", "window 'a:b': START and END must be integers"),
        ("1", "expected START:END"),
        ("1:2:3", "expected START:END"),
        ("", "expected START:END"),
    ],
)
def test_bad_text_is_a_window_error(text: str, message: str) -> None:
    with pytest.raises(WindowError, match=message) as info:
        Window.parse(text)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SpecificationError)


def test_of_accepts_text_pairs_and_windows_only() -> None:
    assert Window.of("0:1") == Window.of((0, 1)) == Window.of([0.0, 1]) == Window.of(Window(0, 1))
    for bad in ((0.5, 1), (True, 1), (0, 1, 2), 3, None, (float("nan"), 1)):
        with pytest.raises(WindowError):
            Window.of(bad)
    with pytest.raises(WindowError, match="start must not be after end"):
        Window(3, 1)


def test_spec_holds_windows_and_its_main_window() -> None:
    spec = StudySpec(windows=("0:0", (-1, 1)), estimation="-200:-20")
    assert spec.windows == (Window(0, 0), Window(-1, 1))
    assert all(type(w) is Window for w in (*spec.windows, spec.estimation, spec.ar_range))
    assert spec.main == Window(0, 0)  # the first window by default
    assert spec.widest_window == Window(-1, 1)
    added = StudySpec(windows=("0:0",), main_window="-5:5")
    assert added.windows == (Window(0, 0), Window(-5, 5))
    assert added.main == Window(-5, 5)
    kept = StudySpec(windows=("0:0", "-1:1"), main_window="-1:1")
    assert kept.windows == (Window(0, 0), Window(-1, 1))
    assert kept.main == Window(-1, 1)


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_cli_window_errors_name_the_window(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["dealstudy", command, "--window", "3:1"])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.startswith("error: window '3:1': START must not be after END")


@pytest.mark.parametrize("command", ["analyze", "report", "study"])
def test_cli_model_option_is_checked_once_for_every_command(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["dealstudy", command, *(["events.csv"] if command == "study" else []), "--model", "capm"]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("error: --model 'capm' is not one of constant_mean, ")


@given(st.integers(-10_000, 10_000), st.integers(0, 10_000))
def test_text_round_trip_and_pair_order_hold_for_any_window(start: int, span: int) -> None:
    w = Window(start, start + span)
    assert Window.parse(str(w)) == w
    assert Window.of((w.start, w.end)) == w
    assert w.length == span + 1
    other = Window(start - 1, start + span)
    assert (other < w) == ((other.start, other.end) < (w.start, w.end))
