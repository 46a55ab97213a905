"""The finding on the shipped catalog and the shared snapshot: confounders per security, the sensitivity
table, share counts checked against later counts (values asserted, not just that the code ran)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.economy.sensitivity import SENSITIVITY_COLUMNS, SENSITIVITY_SAMPLES, SENSITIVITY_WINDOWS
from dealstudy.pipeline.analysis_files import write_analysis
from dealstudy.pipeline.analyze import AnalysisResults, analyze

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def results(prices_dir: Path) -> AnalysisResults:
    return analyze(REPO / "events", open_sources(prices=prices_dir), models=(), bootstrap_reps=49)


@pytest.fixture(scope="module")
def written(results: AnalysisResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finding")
    write_analysis(results, out)
    return out


def _row(table: pd.DataFrame, deal: str, ticker: str, window: str) -> dict[str, object]:
    rows = table[(table["deal_id"] == deal) & (table["ticker"] == ticker) & (table["window"] == window)]
    assert len(rows) == 1
    return {str(k): v for k, v in rows.iloc[0].items()}


def test_amazon_reaction_is_confounded_by_its_own_earnings(written: Path) -> None:
    table = pd.read_csv(written / "deal_values.csv", keep_default_na=False)
    row = _row(table, "amazon-openai-38b", "AMZN", "-1:1")
    assert row["confounded"] == "true"
    # Q3 results on 30 October after the close are first traded on Friday 31 October (day -1)
    assert "AMZN Q3 2025 results (2025-10-30, after the close), traded 2025-10-31" in str(row["confounders"])
    assert "cipher-aws-5.5b" in str(row["confounders"])  # Amazon is the buyer there: a direct party
    # day 0 alone (3 November) excludes the earnings session but not the same-day Cipher lease
    assert _row(table, "amazon-openai-38b", "AMZN", "0:0")["confounders"] == (
        "catalog event cipher-aws-5.5b (day 0 2025-11-03)"
    )


def test_nvidia_letter_of_intent_is_clean_and_read_across_does_not_confound(written: Path) -> None:
    table = pd.read_csv(written / "deal_values.csv", keep_default_na=False)
    for window in ("0:0", "0:1", "-1:1"):
        row = _row(table, "nvidia-openai-loi-100b", "NVDA", window)
        assert row["confounded"] == "false", row["confounders"]
        assert row["confounders"] == ""
    # over -5:5 the Nvidia-Intel investment of 18 September (Nvidia the investor) falls in the window
    wide = _row(table, "nvidia-openai-loi-100b", "NVDA", "-5:5")
    assert wide["confounded"] == "true"
    assert "nvidia-intel-5b (day 0 2025-09-18)" in str(wide["confounders"])
    # Oracle appears on 22 September only as a read-across of Nvidia's letter: its own Stargate-sites news
    # (a party) the next day confounds it, not the other way round
    assert "nvidia-openai-loi-100b" not in str(
        _row(table, "stargate-five-sites", "ORCL", "-1:1")["confounders"]
    )


def test_unknown_earnings_calendar_is_unknown_never_clean(written: Path) -> None:
    table = pd.read_csv(written / "deal_values.csv", keep_default_na=False)
    row = _row(table, "iren-microsoft-9.7b", "IREN", "0:1")
    assert row["confounded"] == ""
    assert "IREN earnings dates" in str(row["confounders"])
    assert "not known" in str(row["confounders"])
    assert set(table["confounded"]) <= {"true", "false", ""}


def test_sensitivity_table(results: AnalysisResults, written: Path) -> None:
    table = pd.read_csv(written / "sensitivity.csv")
    assert tuple(table.columns) == SENSITIVITY_COLUMNS
    assert list(zip(table["window"], table["sample"], strict=True)) == [
        (w, s) for w in SENSITIVITY_WINDOWS for s in SENSITIVITY_SAMPLES
    ]
    values = results.economy.valuations
    for row in table.to_dict("records"):
        rows = values[(values["window"] == row["window"]) & values["direct"]]
        # the unconfounded sample keeps exactly the reactions known to be clean
        if row["sample"] == "unconfounded":
            full = table[(table["window"] == row["window"]) & (table["sample"] == "all")].iloc[0]
            assert row["n_reactions"] < full["n_reactions"]
        assert row["n_reactions"] <= len(rows)
    headline = table[(table["window"] == results.window) & (table["sample"] == "all")].iloc[0]
    sample = results.economy.sample
    assert headline["n_reactions"] == len(sample)
    assert headline["abnormal_value_usd"] == pytest.approx(sample["abnormal_value_bn"].sum() * 1e9, rel=1e-12)
    split = results.economy.regression("binding_split")
    assert headline["slope_binding"] == pytest.approx(float(split.params["binding_bn"]), rel=1e-12)


def test_intel_share_count_is_stale_and_both_values_shown(written: Path) -> None:
    table = pd.read_csv(written / "deal_values.csv", keep_default_na=False, na_values=[""])
    row = _row(table, "nvidia-intel-5b", "INTC", "0:0")
    assert bool(row["shares_stale"]) is True
    assert row["shares_outstanding"] == 4_377_000_000
    assert str(row["shares_as_of"]) == "2025-06-30"
    assert "INTC.json" in str(row["shares_source"])
    assert row["shares_later"] == 4_766_000_000
    assert str(row["shares_later_as_of"]) == "2025-09-30"
    # the day's market-value change: $24.8bn with the June count, $27.0bn with the September count
    assert float(row["raw_value_usd"]) / 1e9 == pytest.approx(24.8, abs=0.05)
    assert float(row["raw_value_usd_later_shares"]) / 1e9 == pytest.approx(27.0, abs=0.05)
    ratio = float(row["abnormal_value_usd_later_shares"]) / float(row["abnormal_value_usd"])
    assert ratio == pytest.approx(4766 / 4377, rel=1e-12)
    # Amazon's count is current: not stale, no second value
    amzn = _row(table, "amazon-openai-38b", "AMZN", "0:0")
    assert bool(amzn["shares_stale"]) is False
    assert math.isnan(float(amzn["abnormal_value_usd_later_shares"]))


def test_press_reconciled_for_amazon_and_amd(results: AnalysisResults) -> None:
    press = results.press.set_index(["deal_id", "ticker", "window"])
    amzn = press.loc[("amazon-openai-38b", "AMZN", "0:0")]
    # the day's close-to-close gain, the gain at the day's high (the press's "added $150B") and the abnormal
    # gain are three different figures
    assert amzn["close_to_close_usd"] / 1e9 == pytest.approx(104.6, abs=0.1)
    assert amzn["intraday_high_usd"] / 1e9 == pytest.approx(153.7, abs=0.1)
    assert amzn["abnormal_value_usd"] / 1e9 == pytest.approx(98.5, abs=0.1)
    assert amzn["intraday_high_usd"] > amzn["close_to_close_usd"] > amzn["abnormal_value_usd"]
    amd = press.loc[("amd-openai-6gw", "AMD", "0:0")]
    assert amd["press_claim_usd"] == 63e9
    assert amd["close_to_close_usd"] / 1e9 == pytest.approx(63.6, abs=0.1)  # the press quoted the raw change
    assert ("amd-openai-6gw", "AMD", results.window) in press.index
    assert not (press.reset_index()["ticker"] == "ORCL").any() or all(
        r["deal_id"] != "nvidia-openai-loi-100b"
        for r in press.reset_index().to_dict("records")
        if r["ticker"] == "ORCL"
    )  # read-across reactions are not reconciled as the deal's value


def test_spillovers_get_no_multiples(results: AnalysisResults) -> None:
    values = results.economy.valuations
    spill = values[(values["deal_id"] == "amazon-openai-38b") & (values["ticker"] == "NVDA")]
    assert spill["press_release_multiple"].isna().all()
    assert set(spill["press_release_multiple_reason"]) == {"not a party to the deal (role read-across)"}
    direct = values[(values["deal_id"] == "amazon-openai-38b") & (values["ticker"] == "AMZN")]
    assert direct["press_release_multiple"].notna().all()


def test_company_totals_count_every_dollar_once(results: AnalysisResults) -> None:
    economy = results.economy
    aggregates = economy.aggregates.set_index(["dimension", "key"])
    # Oracle: its $300B contract (the 8-K's $30B a year restated), not Stargate's $500B plan or its sites'
    # $400B, which it shares with other named partners and no source splits
    assert aggregates.loc[("company", "ORCL"), "headline_value_usd"] == pytest.approx(300e9)
    assert aggregates.loc[("company", "ORCL"), "binding_value_usd"] == pytest.approx(300e9)
    assert math.isnan(aggregates.loc[("company", "ARM"), "headline_value_usd"])  # a named technology partner
    totals = economy.headline_totals.set_index("scope")
    assert aggregates.loc[("total", "announcements"), "headline_value_usd"] == pytest.approx(
        totals.loc["announcements", "net_headline_usd"]
    )
    ledger = economy.ledger_totals.set_index(["counterparty", "partner"])
    assert ledger.loc[("OpenAI", "ORCL"), "headline_usd"] == pytest.approx(300e9)
    assert ledger.loc[("OpenAI", "ORCL"), "binding_usd"] == pytest.approx(300e9)
    assert ledger.loc[("OpenAI", "(several)"), "headline_usd"] == pytest.approx(500e9)  # Stargate, once
    assert ledger.loc[("OpenAI", "(several)"), "exposure_reason"] == "shared by several listed parties"
    # the round's cheques go to their investors: Amazon $50B, of which $15B unconditional
    assert ledger.loc[("OpenAI", "AMZN"), "headline_usd"] == pytest.approx(
        38e9 + 50e9
    )  # the AWS contract too
