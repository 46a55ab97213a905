"""Which exchange a Yahoo symbol trades on: the ISO 10383 MIC of its listing, from the symbol's suffix, and
the exchange_calendars code that serves a MIC's sessions."""

from __future__ import annotations

from dealstudy.errors import SpecificationError

__all__ = ["US_MICS", "calendar_mic", "exchange_for_symbol"]


#: US venues that share the NYSE session calendar (exchange_calendars serves them all as XNYS).
US_MICS: frozenset[str] = frozenset({"XNYS", "XNAS", "ARCX", "BATS", "XASE", "XNGS", "XNMS", "XNCM", "IEXG"})

#: Yahoo suffix -> MIC of the listing exchange.
_SUFFIX_MIC: dict[str, str] = {
    "T": "XTKS",
    "KS": "XKRX",
    "KQ": "XKRX",
    "L": "XLON",
    "DE": "XETR",
    "F": "XFRA",
    "HK": "XHKG",
    "PA": "XPAR",
    "AS": "XAMS",
    "SW": "XSWX",
    "TO": "XTSE",
    "AX": "XASX",
    "TW": "XTAI",
    "SS": "XSHG",
    "SZ": "XSHE",
}

#: Yahoo index symbols that belong to a non-US exchange.
_INDEX_MIC: dict[str, str] = {
    "^N225": "XTKS",
    "^KS11": "XKRX",
    "^KQ11": "XKRX",
    "^FTSE": "XLON",
    "^GDAXI": "XETR",
    "^HSI": "XHKG",
}


def exchange_for_symbol(symbol: str) -> str | None:
    """The MIC whose calendar a Yahoo symbol trades on; ``None`` for FX (``=X``), which trades 24 hours.

    Parameters
    ----------
    symbol : str
        Yahoo symbol: ``AMZN``, ``9984.T``, ``005930.KS``, ``^N225``, ``JPY=X``.

    Returns
    -------
    str or None
        ``XNYS`` for US listings without a suffix (NYSE and Nasdaq share one session calendar), US ETFs and
        US indices; ``XTKS`` for ``.T`` and ``^N225``; ``XKRX`` for ``.KS``/``.KQ`` and ``^KS11``; ``XLON``
        for ``.L``; ``XETR`` for ``.DE``; ``XHKG`` for ``.HK`` (and a few others); ``None`` for FX.

    Raises
    ------
    SpecificationError
        For an empty symbol or a suffix with no known exchange.
    """
    sym = symbol.strip().upper()
    if not sym:
        raise SpecificationError("empty symbol: cannot tell its exchange")
    if sym.endswith("=X"):
        return None
    if sym.startswith("^"):
        return _INDEX_MIC.get(sym, "XNYS")
    if "." in sym:
        suffix = sym.rsplit(".", 1)[1]
        if suffix in _SUFFIX_MIC:
            return _SUFFIX_MIC[suffix]
        if suffix in {"A", "B"} and len(sym) <= 6:  # US share classes written BRK.B
            return "XNYS"
        raise SpecificationError(
            f"symbol {symbol!r}: unknown Yahoo suffix '.{suffix}' (no exchange calendar)"
        )
    return "XNYS"


def calendar_mic(mic: str) -> str:
    """The exchange_calendars code to use for a MIC (US venues -> ``XNYS``)."""
    code = mic.strip().upper()
    return "XNYS" if code in US_MICS else code
