"""``dealstudy prices snapshot``: write a new pinned data snapshot (a maintainers' command).

Thin: gathers the parts with :mod:`dealstudy.data.snapshot_build` and writes them with
:func:`dealstudy.data.snapshot.write_snapshot`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from dealstudy.cli._options import CacheOption
from dealstudy.cli.prices import prices_app
from dealstudy.errors import SpecificationError

__all__ = ["snapshot_command"]


@prices_app.command("snapshot")
def snapshot_command(
    out: Annotated[Path, typer.Option("--out", help="New folder for the snapshot (must not exist).")],
    source: Annotated[
        Path | None,
        typer.Option("--from", help="Build from a data folder (shared layout) instead of the cache."),
    ] = None,
    earnings: Annotated[
        Path | None, typer.Option("--earnings", help="An earnings_dates.csv to include.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Snapshot version (default: today's date, YYYY.MM.DD).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Snapshot date (default: today).")] = None,
    cache: CacheOption = None,
) -> None:
    """Write a new checksummed Parquet snapshot from the cache (or --from a data folder).

    Parts the cache lacks (symbols, shares, factors, earnings dates) are carried over from the embedded
    snapshot; the manifest records where each part came from. To ship it, replace src/dealstudy/_snapshot.

    Example: dealstudy prices fetch && dealstudy prices snapshot --out /tmp/snapshot-new
    """
    from dealstudy.data.cache import CachedSource, default_cache_dir
    from dealstudy.data.snapshot import Snapshot, write_snapshot
    from dealstudy.data.snapshot_build import (
        parts_from_cache,
        parts_from_folder,
        provenance_header,
        read_table,
    )
    from dealstudy.data.yahoo import YahooSource

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise SpecificationError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    label = version or day.strftime("%Y.%m.%d")
    if earnings is not None and not earnings.is_file():
        raise SpecificationError(f"--earnings {earnings}: no such file")
    if source is not None:
        parts = parts_from_folder(source, earnings=earnings)
    else:
        folder = cache if cache is not None else default_cache_dir()
        cached = CachedSource(YahooSource(), folder, offline=True)
        parts = parts_from_cache(cached)
        if earnings is not None:
            parts.tables["earnings_dates"] = read_table(earnings, "earnings_dates")
            parts.sources["earnings_dates"] = earnings.name
    parts.fill_from(Snapshot())
    text = provenance_header(label, day, parts.sources) + parts.provenance
    manifest = write_snapshot(
        out.expanduser(),
        parts.prices,
        parts.tables,
        version=label,
        as_of=day,
        provenance=text,
        sources=parts.sources,
    )
    size = sum(p.stat().st_size for p in manifest.parent.iterdir() if p.is_file())
    typer.echo(
        f"snapshot {label} (as of {day}): {len(parts.prices)} symbols, "
        f"{len(parts.tables)} tables, {size / 1e6:.2f} MB in {manifest.parent}"
    )
