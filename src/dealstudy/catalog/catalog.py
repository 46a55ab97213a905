"""The loaded catalog: a frozen, validated collection of deals and counterparties."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dealstudy.catalog.earnings import EarningsCalendar
from dealstudy.catalog.frame import catalog_frame
from dealstudy.catalog.schema import Counterparty, Deal
from dealstudy.catalog.validate import read_catalog_files
from dealstudy.errors import CatalogError, CatalogProblem

__all__ = ["Catalog", "UnknownDealError", "catalog_checksum", "load_catalog"]


class UnknownDealError(CatalogError, KeyError):
    """A deal id that the catalog does not hold (a :class:`CatalogError` and a :class:`KeyError`)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def catalog_checksum(files: tuple[tuple[str, bytes], ...]) -> str:
    """SHA-256 (hex) identifying a catalog's exact content.

    Notes
    -----
    For each file in name order the hash is fed ``name``, a NUL byte, the decimal byte length, a NUL byte
    and the file's bytes, so that no two different folders share the input.
    """
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + str(len(data)).encode("ascii") + b"\0")
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Catalog:
    """A validated catalog of deal announcements.

    Attributes
    ----------
    deals
        Every deal, sorted by announcement date, then id.
    counterparties
        The entries of ``counterparties.yaml`` (empty when the file is absent).
    directory
        The folder the catalog was read from.
    checksum
        SHA-256 of the catalog files (see :func:`catalog_checksum`); identifies the exact catalog a study
        used.
    earnings
        The earnings calendar of ``earnings.yaml`` (empty when the file is absent).
    """

    deals: tuple[Deal, ...]
    counterparties: tuple[Counterparty, ...]
    directory: Path
    checksum: str
    earnings: EarningsCalendar = field(default_factory=EarningsCalendar)

    def __len__(self) -> int:
        return len(self.deals)

    def __iter__(self) -> Iterator[Deal]:
        return iter(self.deals)

    @property
    def ids(self) -> tuple[str, ...]:
        """Deal ids in catalog order."""
        return tuple(d.id for d in self.deals)

    def get(self, deal_id: str) -> Deal:
        """The deal with id ``deal_id``.

        Raises
        ------
        UnknownDealError
            When there is no such deal (a :class:`CatalogError`, also a :class:`KeyError`).
        """
        for deal in self.deals:
            if deal.id == deal_id:
                return deal
        close = difflib.get_close_matches(deal_id, self.ids, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problem = CatalogProblem(str(self.directory), deal_id, "", f"unknown deal id{hint}")
        raise UnknownDealError(problem)

    def counterparty(self, name: str) -> Counterparty | None:
        """The counterparties.yaml entry named ``name``; ``None`` when there is none (e.g. a listed firm)."""
        return next((c for c in self.counterparties if c.name == name), None)

    def warnings(self) -> list[CatalogProblem]:
        """Things worth fixing that do not make the catalog invalid: deals without a primary source.

        A deal whose ``primary_source_note`` says why it has none is not warned about; see
        :meth:`source_notes`.
        """
        return [
            CatalogProblem(
                f"{deal.id}.yaml",
                deal.id,
                "sources",
                "no primary source: cite the company's press release, blog post or filing where one exists "
                "and mark it 'kind: primary' (or say why there is none in 'primary_source_note')",
            )
            for deal in self.deals
            if not deal.has_primary_source and deal.primary_source_note is None
        ]

    def source_notes(self) -> list[CatalogProblem]:
        """The deals without a primary source that say why (their ``primary_source_note``)."""
        return [
            CatalogProblem(f"{deal.id}.yaml", deal.id, "primary_source_note", deal.primary_source_note)
            for deal in self.deals
            if deal.primary_source_note is not None
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per deal x security (see :func:`dealstudy.catalog.frame.catalog_frame`)."""
        return catalog_frame(self.deals)


def load_catalog(directory: Path | str = "events") -> Catalog:
    """Read and validate a catalog folder.

    Parameters
    ----------
    directory
        Folder holding one ``<id>.yaml`` per deal and optionally ``counterparties.yaml``.

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        Listing every problem in every file (exit code 2 on the command line).

    Examples
    --------
    >>> catalog = load_catalog("events")  # doctest: +SKIP
    >>> catalog.get("amazon-openai-38b").binding_status  # doctest: +SKIP
    'definitive_contract'
    """
    files = read_catalog_files(directory)
    if files.problems:
        raise CatalogError(list(files.problems))
    deals = tuple(sorted((d for _, d in files.deals), key=lambda d: (d.announced, d.id)))
    return Catalog(deals, files.counterparties, Path(directory), catalog_checksum(files.raw), files.earnings)
