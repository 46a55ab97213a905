"""Adding deals to a catalog folder: validate against the existing catalog, then write atomically.

Nothing is written unless every new deal is valid on its own *and* together with the catalog (unique ids,
related ids that exist). Each new deal is written to its own new file ``<id>.yaml``; no other file is
touched. An existing file or id is refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from dealstudy._atomic import atomic_write_text
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.schema import Deal
from dealstudy.catalog.serialize import deal_to_yaml
from dealstudy.catalog.validate import check_deals, parse_deal, read_catalog_files
from dealstudy.errors import CatalogError, CatalogProblem

__all__ = ["add_deals", "write_deal"]


def add_deals(directory: Path | str, deals: Sequence[Deal], *, origin: str | None = None) -> list[Path]:
    """Validate ``deals`` together with the catalog in ``directory`` and write one new file per deal.

    Parameters
    ----------
    directory
        The catalog folder (created when it does not exist).
    deals
        The deals to add.
    origin
        Where the deals came from (a CSV file name); problems with a new deal are reported against
        ``origin`` when given, otherwise against the file it would be written to.

    Returns
    -------
    list of Path
        The files written, in the order of ``deals``.

    Raises
    ------
    CatalogError
        With every problem found; nothing has been written.
    """
    folder = Path(directory)
    if folder.exists():
        current = read_catalog_files(folder)
        problems = list(current.problems)
        existing = list(current.deals)
    else:
        problems, existing = [], []
    texts: list[tuple[str, str]] = []
    new: list[tuple[str, Deal]] = []
    existing_ids = {deal.id: file for file, deal in existing}
    seen: set[str] = set()
    for deal in deals:
        name = f"{deal.id}.yaml"
        where = origin or name
        text = deal_to_yaml(deal)
        # The written text must load back into the same deal; this also checks every field rule.
        parsed, yaml_problems = load_yaml_text(text, name)
        back, deal_problems = parse_deal(parsed, where) if not yaml_problems else (None, yaml_problems)
        problems.extend(deal_problems)
        if deal.id in existing_ids:
            message = f"id '{deal.id}' already exists in the catalog ({existing_ids[deal.id]})"
            problems.append(CatalogProblem(where, deal.id, "id", message))
        elif (folder / name).exists():
            problems.append(CatalogProblem(where, deal.id, "id", f"file {name} already exists"))
        elif deal.id in seen:
            problems.append(CatalogProblem(where, deal.id, "id", f"id '{deal.id}' is given more than once"))
        elif back is not None:
            new.append((name, back))
        seen.add(deal.id)
        texts.append((name, text))
    new_files = {file for file, _ in new}
    for q in check_deals([*existing, *new]):
        if q.file in new_files:
            problems.append(CatalogProblem(origin or q.file, q.entry, q.field, q.message))
    problems = list(dict.fromkeys(problems))  # the same problem may be found twice
    if problems:
        raise CatalogError(problems)
    written: list[Path] = []
    try:
        for name, text in texts:
            target = folder / name
            if target.exists():  # created since we checked
                raise CatalogError(
                    CatalogProblem(name, name.removesuffix(".yaml"), "id", f"file {name} already exists")
                )
            atomic_write_text(target, text)
            written.append(target)
    except BaseException:
        for path in written:  # all or nothing
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


def write_deal(directory: Path | str, deal: Deal) -> Path:
    """Add one deal to the catalog in ``directory`` as ``<id>.yaml`` (see :func:`add_deals`).

    Raises
    ------
    CatalogError
        When the deal is invalid, its id or file exists already, or the catalog would become invalid.
    """
    return add_deals(directory, [deal])[0]
