"""The study pipeline: events file parsing, fetching through a (fake) price source, day 0, files and JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.data import DataSources
from dealstudy.data.calendars import sessions
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance
from dealstudy.errors import DownloadError, MissingDataError, SpecificationError
from dealstudy.pipeline.events_csv import read_events_csv
from dealstudy.pipeline.study import STUDY_FILES, run_study, study_to_json, write_study
from dealstudy.study import StudySpec


class FakePrices:
    """In-memory price source with the PriceSource interface; records the requests."""

    name = "fake"

    def __init__(self, closes: dict[str, pd.Series], failing: dict[str, Exception] | None = None) -> None:
        self.closes = closes
        self.failing = failing or {}
        self.requests: list[tuple[str, dt.date, dt.date]] = []

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        self.requests.append((symbol, start, end))
        if symbol in self.failing:
            raise self.failing[symbol]
        if symbol not in self.closes:
            raise MissingDataError(f"no data for {symbol}")
        s = self.closes[symbol].loc[pd.Timestamp(start) : pd.Timestamp(end)]
        frame = pd.DataFrame({c: s.to_numpy() for c in PRICE_COLUMNS}, index=s.index.rename("date"))
        return PriceHistory(symbol, frame, Provenance("fake"))


class NoShares:
    name = "none"

    def shares_on(self, symbol: str, on: dt.date) -> None:
        return None


def _closes(rng: np.random.Generator) -> dict[str, pd.Series]:
    dates = sessions("XNYS", "2022-01-03", "2024-12-31")
    rm = rng.normal(0, 0.01, len(dates))
    out = {"SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates)}
    out["AAA"] = pd.Series(20 * np.cumprod(1 + 1.2 * rm + rng.normal(0, 0.02, len(dates))), index=dates)
    return out


def _sources(prices: FakePrices) -> DataSources:
    return DataSources(prices, NoShares(), None, "fake")  # type: ignore[arg-type]


def test_read_events_csv_ok(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "event_id,ticker,date,timing,group\na,AAA,2024-03-01,after_close,x\nb,BBB,2024-03-04,,y\n"
    )
    frame = read_events_csv(path)
    assert list(frame.columns) == ["event_id", "ticker", "date", "timing", "group"]
    assert frame["date"].iloc[0] == pd.Timestamp("2024-03-01")
    assert list(frame["timing"]) == ["after_close", ""]


@pytest.mark.parametrize("blank_line", [False, True])
def test_read_events_csv_column_checks_give_the_row_by_row_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blank_line: bool
) -> None:
    """A valid file is checked column by column; the frame equals the row-by-row reading's (dtypes too).
    A blank line sends the file down the row-by-row path, which skips it."""
    from dealstudy.pipeline import events_csv

    rng = np.random.default_rng(4)
    days = pd.bdate_range("2020-01-01", periods=300).strftime("%Y-%m-%d")
    lines = ["event_id, ticker ,date,timing,market,group"]
    for i in range(2_000):
        timing = rng.choice(["", "after_close", "pre_market"])
        lines.append(f" e{i},T{rng.integers(0, 50)} ,{rng.choice(days)},{timing},SPY,g{i % 3}")
    if blank_line:
        lines.insert(500, "")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n")
    arrow = read_events_csv(path)
    assert events_csv._plain_frame(path) is not None  # read by Arrow, a blank line skipped
    monkeypatch.setattr(events_csv, "_plain_frame", lambda file: None)
    fast = read_events_csv(path)
    monkeypatch.setattr(events_csv, "_valid_frame", lambda header, rows: None)
    slow = read_events_csv(path)
    pd.testing.assert_frame_equal(fast, slow)
    pd.testing.assert_frame_equal(arrow, slow)
    assert len(fast) == 2_000
    assert fast["event_id"].iloc[0] == "e0"
    assert fast["date"].dtype == slow["date"].dtype == arrow["date"].dtype


_PLAIN = "event_id,ticker,date,group\ne1,AAA,2024-03-01,x\ne2,BBB,2024-03-04,y y\n"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (_PLAIN, True),
        ("\ufeff" + _PLAIN, True),  # a byte-order mark
        (_PLAIN.replace("\n", "\r\n"), True),
        (_PLAIN.replace("x\n", "x\n\n"), True),  # a blank line
        (_PLAIN.replace("AAA", " \tAAA\x1f "), True),  # ASCII spaces stripped
        (_PLAIN.replace("AAA", "Ärger"), True),
        (_PLAIN.replace("AAA", "\u00a0AAA"), False),  # a space only str.strip knows
        (_PLAIN.replace("AAA", " \u2003AAA"), False),
        (_PLAIN.replace(",x", ',"x, z"'), False),  # quoted
        (_PLAIN.replace("x\n", "x\r"), False),  # a lone carriage return ends a line for splitlines
        (_PLAIN.replace("y y", "y\x0cy"), False),  # so does a form feed
        (_PLAIN.replace("x\n", "x\n   \n"), False),  # a line of spaces (skipped by the row-by-row reading)
        (_PLAIN.replace("e2", "e1"), False),  # duplicate id: the row-by-row reading names it
        (_PLAIN.replace("BBB", "None"), False),
        (_PLAIN.replace("2024-03-04", "2024-02-30"), False),
        (_PLAIN.replace(",y y", ""), False),  # a short line
        (_PLAIN.replace("group", "colour"), False),
        ("event_id,ticker,date\n", False),
    ],
)
def test_events_read_by_arrow_as_python_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, plain: bool
) -> None:
    """Arrow reads the plain, valid files (``_plain_frame``) and gives the Python reading's frame; any other
    file is left to the Python reading, which gives its frame or names the problem."""
    from dealstudy.pipeline import events_csv

    path = tmp_path / "events.csv"
    path.write_bytes(text.encode("utf-8"))
    assert (events_csv._plain_frame(path) is not None) == plain
    try:
        expected: pd.DataFrame | str = read_events_csv(path)
    except SpecificationError as exc:
        expected = str(exc)
    monkeypatch.setattr(events_csv, "_plain_frame", lambda file: None)
    try:
        python: pd.DataFrame | str = read_events_csv(path)
    except SpecificationError as exc:
        python = str(exc)
    if isinstance(python, str):
        assert expected == python
    else:
        assert isinstance(expected, pd.DataFrame)
        pd.testing.assert_frame_equal(expected, python)
        assert list(expected.dtypes) == list(python.dtypes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("event_id,ticker\na,AAA\n", "line 1: missing required column 'date'"),
        ("event_id,ticker,date,colour\na,AAA,2024-01-02,red\n", "unknown column 'colour'"),
        ("event_id,ticker,date\na,AAA,02/01/2024\n", "line 2, column date"),
        (
            "event_id,ticker,date\na,AAA,2024-01-02\na,BBB,2024-01-03\n",
            "line 3, column event_id: duplicate 'a'",
        ),
        ("event_id,ticker,date\na,,2024-01-02\n", "line 2, column ticker: empty"),
        ("event_id,ticker,date,timing\na,AAA,2024-01-02,evening\n", "line 2, column timing"),
        ("event_id,ticker,date\na,AAA\n", "line 2: 2 fields"),
        ("event_id,ticker,date\n", "no events"),
        ("", "empty file"),
    ],
)
def test_read_events_csv_errors_name_file_line_column(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text)
    with pytest.raises(SpecificationError, match=message) as info:
        read_events_csv(path)
    assert "events.csv" in str(info.value)


def test_run_study_fetches_maps_day0_and_reports_unavailable(rng: np.random.Generator) -> None:
    closes = _closes(rng)
    fake = FakePrices(closes, failing={"QQQ": DownloadError("HTTP 500 for QQQ")})
    events = pd.DataFrame(
        {
            "event_id": ["ac", "sat", "nope", "qqq"],
            "ticker": ["AAA", "AAA", "ZZZ", "AAA"],
            "date": pd.to_datetime(["2024-03-01", "2024-06-15", "2024-03-01", "2024-09-03"]),
            "timing": ["after_close", "", "", ""],
            "market": ["", "", "", "QQQ"],
        }
    )
    res = run_study(events, _sources(fake), StudySpec())
    out = res.outcomes.set_index("event_id")
    assert out.loc["ac", "day0"] == pd.Timestamp("2024-03-04")  # Friday after close -> Monday
    assert "after the XNYS close" in out.loc["ac", "day0_rule"]
    assert out.loc["sat", "day0"] == pd.Timestamp("2024-06-17")  # Saturday -> next session
    assert out.loc["nope", "outcome"] == "no_prices"
    assert out.loc["qqq", "outcome"] == "no_benchmark"
    assert "HTTP 500" in out.loc["qqq", "reason"]
    assert {s for s, _, _ in fake.requests} == {"AAA", "ZZZ", "SPY", "QQQ"}
    start = min(r[1] for r in fake.requests)
    assert start <= dt.date(2023, 3, 1)  # 250 trading days before the first event, with a margin


def test_run_study_marks_a_missing_session_as_a_gap(rng: np.random.Generator) -> None:
    """The data lack an NYSE session (2024-03-05): on the exchange calendar the day is a missing price, so an
    event window containing it is a gap, not a silently shifted count of trading days."""
    closes = _closes(rng)
    closes["AAA"] = closes["AAA"].drop(pd.Timestamp("2024-03-05"))
    events = pd.DataFrame({"event_id": ["e"], "ticker": ["AAA"], "date": [pd.Timestamp("2024-03-01")]})
    res = run_study(events, _sources(FakePrices(closes)), StudySpec())
    assert res.outcomes.loc[0, "outcome"] == "gap_in_event_window"
    assert "2024-03-05" in res.outcomes.loc[0, "reason"]


def test_write_study_and_json(rng: np.random.Generator, tmp_path: Path) -> None:
    closes = _closes(rng)
    events = pd.DataFrame(
        {
            "event_id": ["a", "z"],
            "ticker": ["AAA", "ZZZ"],
            "date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
        }
    )
    res = run_study(events, _sources(FakePrices(closes)), StudySpec())
    paths = write_study(res, tmp_path / "out")
    assert [p.name for p in paths] == list(STUDY_FILES)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(STUDY_FILES)  # no temp files left
    outcomes = pd.read_csv(tmp_path / "out" / "outcomes.csv", keep_default_na=False)
    assert outcomes.loc[0, "day0"] == "2024-03-01"
    assert outcomes.columns[:10].tolist() == [
        "event_id", "ticker", "day0", "outcome", "reason", "estimation_obs", "alpha", "beta", "sigma",
        "r_squared",
    ]  # fmt: skip
    cars = pd.read_csv(tmp_path / "out" / "cars.csv")
    assert cars.loc[0, "car"] == res.cars.loc[0, "car"]  # full precision round trip
    doc = json.loads(study_to_json(res))
    assert doc["outcomes"][1]["alpha"] is None  # NaN -> null
    assert doc["outcomes"][0]["day0"] == "2024-03-01"
    assert len(doc["cars"]) == len(res.cars)
    assert len(doc["aggregate"]) == len(res.aggregate)


def test_factor_model_without_factor_files_is_an_error(rng: np.random.Generator) -> None:
    events = pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "date": [pd.Timestamp("2024-03-01")]})
    with pytest.raises(MissingDataError, match="factor"):
        run_study(events, _sources(FakePrices(_closes(rng))), StudySpec(model="ff3"))


def test_write_study_keeps_the_old_files_when_the_tests_fail(
    rng: np.random.Generator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-event tables are written while the aggregate tests run; when the tests fail (or the run is
    interrupted), no file of the earlier run is replaced and no temporary is left."""
    from dealstudy._timings import recording
    from dealstudy.study import StudyResults

    closes = _closes(rng)
    events = pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "date": pd.to_datetime(["2024-03-01"])})
    out = tmp_path / "out"
    first = run_study(events, _sources(FakePrices(closes)), StudySpec())
    with recording() as stages:
        write_study(first, out)
    assert set(stages) == {"tests", "write"}
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    second = run_study(events, _sources(FakePrices(closes)), StudySpec(windows=((0, 0),)))

    def failing(self: StudyResults) -> pd.DataFrame:
        raise KeyboardInterrupt

    monkeypatch.setattr(StudyResults, "aggregate", property(failing))
    with pytest.raises(KeyboardInterrupt):
        write_study(second, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.undo()
    write_study(second, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(STUDY_FILES)
    assert (out / "cars.csv").read_bytes() != before["cars.csv"]  # one window now


def test_map_event_day0_maps_only_the_timed_events_each_on_its_own_date_and_ticker(
    rng: np.random.Generator,
) -> None:
    """Timed events between untimed ones: each timed event's day 0 comes from its own date, timing and
    ticker's sessions (an after-close Friday -> Monday; pre-market -> that day); the others keep none."""
    from dealstudy.pipeline.study import map_event_day0

    closes = _closes(rng)
    events = pd.DataFrame(
        {
            "event_id": ["u1", "t1", "u2", "t2", "u3"],
            "ticker": ["AAA", "AAA", "SPY", "SPY", "AAA"],
            "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-05-06", "2024-06-07", "2024-07-01"]),
            "timing": ["", "after_close", "", "pre_market", ""],
        }
    )
    out = map_event_day0(events, closes)
    expected = pd.to_datetime([None, "2024-03-04", None, "2024-06-07", None]).as_unit("ns")
    pd.testing.assert_series_equal(out["day0"], pd.Series(expected, name="day0"))
    assert [bool(r) for r in out["day0_rule"]] == [False, True, False, True, False]
    assert out["date"].equals(events["date"])  # the input is not modified
