"""Fama-French factor files: both layouts, percent and decimal units, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.data.factors import FRENCH_DATASETS, download_french_factors, load_factors
from dealstudy.errors import DownloadError, MissingDataError, SnapshotError

TIDY_PERCENT = (
    "date,mkt_rf,smb,hml,rf\n"
    "2025-10-01,0.41,-0.20,0.10,0.02\n"
    "2025-10-02,-1.25,0.35,-0.05,0.02\n"
    "2025-10-03,0.60,0.10,0.22,0.02\n"
)

FRENCH_RAW = (
    "This file was created by CMPT_ME_BEME_RETS using the 202604 CRSP database.\n"
    "The 1-month TBill rate data until 202405 are from Ibbotson Associates.\n"
    "\n"
    ",Mkt-RF,SMB,HML,RF\n"
    "20251001,   0.41,  -0.20,   0.10,   0.016\n"
    "20251002,  -1.25,   0.35,  -0.05,   0.016\n"
    "20251003,   0.60,   0.10,   0.22,   0.016\n"
    "\n"
    "Copyright 2026 Eugene F. Fama and Kenneth R. French\n"
)

MOM_RAW = (
    "Missing data are indicated by -99.99.\n\n,Mom   \n20251001,   0.50\n20251002,  -0.70\n20251003,   1.10\n"
)


@pytest.mark.shared
def test_shared_ff3_and_ff5_converted_to_decimal(shared_dir: Path) -> None:
    folder = shared_dir / "data"
    ff3 = load_factors(folder, "ff3")
    assert list(ff3.columns) == ["mkt_rf", "smb", "hml", "rf"]
    assert ff3.index.name == "date"
    assert ff3.loc["2023-01-03"].tolist() == pytest.approx([-0.0047, 0.0008, -0.0010, 0.0002])
    assert ff3.index[-1] == pd.Timestamp("2026-04-30")
    assert len(ff3) == 834
    ff5 = load_factors(folder / "ff5_factors_daily.csv", "ff5")
    assert list(ff5.columns) == ["mkt_rf", "smb", "hml", "rmw", "cma", "rf"]
    assert ff5.loc["2023-01-03", "rmw"] == pytest.approx(0.0028)
    assert ff5.loc["2023-01-03", "cma"] == pytest.approx(0.0053)
    np.testing.assert_allclose(ff5["mkt_rf"], ff3["mkt_rf"], atol=1e-12)


@pytest.mark.shared
def test_carhart_without_momentum_file_is_a_clear_error(shared_dir: Path) -> None:
    with pytest.raises(MissingDataError, match=r"model 'carhart' needs a momentum factor.*no momentum file"):
        load_factors(shared_dir / "data", "carhart")


def test_percent_and_decimal_files_give_the_same_decimals(tmp_path: Path) -> None:
    percent = tmp_path / "pct" / "ff_factors_daily.csv"
    percent.parent.mkdir()
    percent.write_text(TIDY_PERCENT)
    frame = pd.read_csv(percent, index_col="date")
    decimal = tmp_path / "dec" / "ff_factors_daily.csv"
    decimal.parent.mkdir()
    (frame / 100).to_csv(decimal)
    from_pct = load_factors(percent.parent, "ff3")
    from_dec = load_factors(decimal.parent, "ff3")
    assert from_pct.loc["2025-10-02", "mkt_rf"] == pytest.approx(-0.0125)
    assert from_pct.loc["2025-10-01", "rf"] == pytest.approx(0.0002)
    pd.testing.assert_frame_equal(from_pct, from_dec, check_exact=False, atol=1e-15)
    forced = load_factors(decimal, "ff3", units="decimal")
    assert forced.loc["2025-10-02", "mkt_rf"] == pytest.approx(-0.0125)
    forced_pct = load_factors(percent, "ff3", units="percent")
    assert forced_pct.loc["2025-10-02", "mkt_rf"] == pytest.approx(-0.0125)


def test_ken_french_raw_layout_with_momentum(tmp_path: Path) -> None:
    (tmp_path / "F-F_Research_Data_Factors_daily.CSV").write_text(FRENCH_RAW)
    (tmp_path / "F-F_Momentum_Factor_daily.CSV").write_text(MOM_RAW)
    ff3 = load_factors(tmp_path, "ff3")
    assert ff3.index.tolist() == list(pd.to_datetime(["2025-10-01", "2025-10-02", "2025-10-03"]))
    assert ff3.loc["2025-10-01", "rf"] == pytest.approx(0.00016)
    carhart = load_factors(tmp_path, "carhart")
    assert list(carhart.columns) == ["mkt_rf", "smb", "hml", "mom", "rf"]
    assert carhart["mom"].tolist() == pytest.approx([0.005, -0.007, 0.011])


def test_missing_file_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="no ff5 factor file"):
        load_factors(tmp_path, "ff5")
    path = tmp_path / "ff_factors_daily.csv"
    path.write_text(TIDY_PERCENT)
    with pytest.raises(MissingDataError, match=r"lack column\(s\) rmw, cma needed for model 'ff5'"):
        load_factors(path, "ff5")


def test_malformed_factor_row_names_line(tmp_path: Path) -> None:
    path = tmp_path / "ff_factors_daily.csv"
    path.write_text(TIDY_PERCENT.replace("-1.25", "x"))
    with pytest.raises(SnapshotError, match=r"line 3: missing or non-numeric factor value"):
        load_factors(path, "ff3")


def _french_shaped(dataset: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """What pandas-datareader's famafrench reader returns as table 0: percent, DatetimeIndex 'Date'."""
    index = pd.DatetimeIndex(pd.to_datetime(["2025-10-01", "2025-10-02", "2025-10-03"]), name="Date")
    if dataset.startswith("F-F_Momentum"):
        return pd.DataFrame({"Mom   ": [0.5, -0.7, 1.1]}, index=index)
    columns = {"Mkt-RF": [0.41, -1.25, 0.6], "SMB": [-0.2, 0.35, 0.1], "HML": [0.1, -0.05, 0.22]}
    if "5_Factors" in dataset:
        columns |= {"RMW": [0.3, 0.1, -0.2], "CMA": [0.0, 0.2, 0.1]}
    return pd.DataFrame(columns | {"RF": [0.016, 0.016, 0.016]}, index=index)


def test_downloaded_french_factors_round_trip_to_decimals(tmp_path: Path) -> None:
    calls: list[str] = []

    def reader(dataset: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        calls.append(dataset)
        return _french_shaped(dataset, start, end)

    written = download_french_factors(tmp_path, dt.date(2025, 10, 1), dt.date(2025, 10, 3), reader=reader)
    assert set(written) == {"ff3", "ff5", "mom"}
    assert calls == [FRENCH_DATASETS[k][0] for k in ("ff3", "ff5", "mom")]
    carhart = load_factors(tmp_path, "carhart")
    assert carhart.loc["2025-10-02"].tolist() == pytest.approx([-0.0125, 0.0035, -0.0005, -0.007, 0.00016])
    assert load_factors(tmp_path, "ff5")["rmw"].tolist() == pytest.approx([0.003, 0.001, -0.002])


def test_download_without_pandas_datareader_says_how_to_get_it(tmp_path: Path) -> None:
    try:
        import pandas_datareader  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDataError, match=r"pandas-datareader>=0\.11"):
            download_french_factors(tmp_path, dt.date(2025, 10, 1), dt.date(2025, 10, 3))
    else:  # pragma: no cover - only where the optional package is installed
        pytest.skip("pandas-datareader is installed; the missing-package message cannot be exercised")


def test_reader_failure_is_a_download_error(tmp_path: Path) -> None:
    def broken(dataset: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        raise OSError("connection refused")

    with pytest.raises(
        DownloadError, match=r"Ken French F-F_Research_Data_Factors_daily .*connection refused"
    ):
        download_french_factors(
            tmp_path, dt.date(2025, 10, 1), dt.date(2025, 10, 3), kinds=("ff3",), reader=broken
        )
