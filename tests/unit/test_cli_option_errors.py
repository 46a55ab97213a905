"""Bad options of `analyze` and `prices` are reported (exit 2, message naming the option) before data work.

The commands run in-process through :func:`dealstudy.cli.main`; loading the catalog or opening a price source
is replaced by a function that fails the test, so an option error must be raised before either.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import dealstudy.catalog
import dealstudy.data
from dealstudy.cli import main


@pytest.fixture(autouse=True)
def _no_data_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("data work started before the options were checked")

    monkeypatch.setattr(dealstudy.data, "open_sources", forbidden)  # cli.prices imports it on use
    monkeypatch.setattr(dealstudy.catalog, "load_catalog", forbidden)


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["dealstudy", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cov", "robust"], "--cov 'robust': choose one of HC3, HC1, cluster, nonrobust"),
        (["--window", "2:1"], "window '2:1': START must not be after END"),
        (["--window", "a:b"], "window 'a:b': START and END must be integers"),
        (["--model", "custom"], "--model custom needs benchmarks"),
        (["--model", "capm"], "'capm' is not one of"),
        (["--robustness-models", "market,capm"], "--robustness-models: 'capm' is not one of"),
        (["--bootstrap-reps", "-1"], "--bootstrap-reps must be >= 0"),
    ],
)
def test_analyze_bad_option(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "missing"
    code, err = _run(
        ["analyze", "--catalog", str(missing), "--prices", str(missing), *args], monkeypatch, capsys
    )
    assert code == 2
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "--format", "xml"], "'xml' is not one of table, json"),
        (["show", "AMD", "--format", "json"], "'json' is not one of table, csv"),
        (
            ["show", "AMD", "--start", "2025-02-01", "--end", "2025-01-01"],
            "--start 2025-02-01 is after --end",
        ),
        (["show", "AMD", "--start", "2025-13-01"], "'2025-13-01' is not a date (YYYY-MM-DD)"),
        (
            ["fetch", "AMD", "--start", "2025-02-01", "--end", "2025-01-01"],
            "--start 2025-02-01 is after --end",
        ),
    ],
)
def test_prices_bad_option(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = _run(["prices", *args, "--prices", str(tmp_path)], monkeypatch, capsys)
    assert code == 2
    assert message in " ".join(err.split())  # rich wraps the usage error box
    assert "Traceback" not in err
