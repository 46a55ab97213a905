"""``dealstudy events``: list, show, validate, add and import catalog deals.

Thin commands: they parse options, call :mod:`dealstudy.catalog` and print. Catalog problems propagate as
:class:`~dealstudy.errors.CatalogError`, which :func:`dealstudy.cli.main` prints as ``error: ...`` on stderr
with exit code 2 (usage errors: click's message, exit 2); nothing is written when a command fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from dealstudy.catalog import (
    BINDING_STATUSES,
    CONFIDENCES,
    DEAL_KINDS,
    TIMINGS,
    VALUE_QUALIFIERS,
)
from dealstudy.catalog.build import SECURITY_SPEC_HELP, SOURCE_SPEC_HELP
from dealstudy.cli import app
from dealstudy.cli._options import CatalogOption
from dealstudy.errors import CatalogError

__all__ = ["events_app"]

events_app = typer.Typer(
    name="events",
    help="The deals catalog: list, show, validate, add and import deals.\n\nExample: dealstudy events list",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(events_app, name="events")

ID_OPTION = typer.Option(None, "--id", help="Slug, e.g. amazon-openai-38b (also the file name).")
ANNOUNCED_AT_OPTION = typer.Option(
    None, "--announced-at", help="Known instant with UTC offset, e.g. 2025-11-03T07:00:00-05:00."
)
SECURITY_OPTION = typer.Option(None, "--security", help=f"Repeatable: {SECURITY_SPEC_HELP}.")
NO_SECURITIES_OPTION = typer.Option(
    False, "--no-securities", help="No listed company is directly affected (say why in --notes)."
)
BINDING_VALUE_OPTION = typer.Option(
    None, "--binding-value-usd", help="Firm, committed part in USD (0 for an LOI)."
)
CONFOUNDER_OPTION = typer.Option(
    None, "--confounder", help="Firm-specific news in the event window. Repeatable."
)
MARKET_EVENT_OPTION = typer.Option(
    None, "--market-event", help="Market-wide or sector news in the window. Repeatable."
)
RELATED_OPTION = typer.Option(None, "--related", help="Repeatable: a related deal id.")
SOURCE_OPTION = typer.Option(None, "--source", help=f"Repeatable, at least one: {SOURCE_SPEC_HELP}.")
CSV_ARGUMENT = typer.Argument(
    ..., metavar="FILE.csv", help="Spreadsheet export, header as in events/README.md."
)


def _billions(value: float | None) -> str:
    return "" if value is None else f"{value / 1e9:,.1f}"


@events_app.command("list")
def list_deals(
    catalog: CatalogOption = Path("events"),
    output: str = typer.Option("table", "--format", help="table (for people) or json (for programs)."),
) -> None:
    """List the deals in the catalog, oldest first.

    Example: dealstudy events list --format json
    """
    from dealstudy.catalog import deal_to_json_dict, load_catalog

    fmt = _check_format(output, ("table", "json"))
    loaded = load_catalog(catalog)
    if fmt == "json":
        typer.echo(json.dumps([deal_to_json_dict(d) for d in loaded.deals], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(loaded.deals)} deals in {catalog}", show_lines=False)
    for column, justify, wrap in (
        ("id", "left", False),
        ("announced", "left", False),
        ("timing", "left", False),
        ("counterparty", "left", True),
        ("kind", "left", False),
        ("tickers", "left", True),
        ("headline $bn", "right", False),
        ("binding $bn", "right", False),
        ("binding status", "left", False),
    ):
        table.add_column(column, justify=justify, no_wrap=not wrap)  # type: ignore[arg-type]
    for deal in loaded.deals:
        table.add_row(
            deal.id,
            deal.announced_label,
            deal.timing,
            deal.counterparty,
            deal.kind,
            " ".join(deal.tickers),
            _billions(deal.headline_value_usd),
            _billions(deal.binding_value_usd),
            deal.binding_status,
        )
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


def _check_format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"--format must be one of {', '.join(allowed)}, not '{value}'")
    return value


@events_app.command("show")
def show(
    deal_id: str = typer.Argument(..., metavar="ID", help="The deal id (its file name without .yaml)."),
    catalog: CatalogOption = Path("events"),
    output: str = typer.Option(
        "yaml", "--format", help="yaml (the catalog file) or json (with derived fields)."
    ),
) -> None:
    """Show one deal.

    Example: dealstudy events show amazon-openai-38b
    """
    from dealstudy.catalog import deal_to_json_dict, deal_to_yaml, load_catalog

    fmt = _check_format(output, ("yaml", "json"))
    deal = load_catalog(catalog).get(deal_id)
    if fmt == "json":
        typer.echo(json.dumps(deal_to_json_dict(deal), indent=2, ensure_ascii=False))
    else:
        typer.echo(deal_to_yaml(deal), nl=False)


@events_app.command("validate")
def validate(catalog: CatalogOption = Path("events")) -> None:
    """Check every file of the catalog and list every problem (exit 0 when clean, 2 otherwise).

    Warnings (a deal citing no primary source) are printed on stderr and do not change the exit code; a
    deal that says why it has none (primary_source_note) gets a note line instead.

    Example: dealstudy events validate --catalog events
    """
    from dealstudy.catalog import load_catalog, validate_catalog

    problems = validate_catalog(catalog)
    if problems:
        raise CatalogError(problems)
    loaded = load_catalog(catalog)
    warnings = loaded.warnings()
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    for note in loaded.source_notes():
        typer.echo(f"note: {note}", err=True)
    typer.echo(
        f"OK: {len(loaded.deals)} deals and {len(loaded.counterparties)} counterparties in {catalog} "
        f"(checksum {loaded.checksum[:12]})" + (f"; {len(warnings)} warning(s) on stderr" if warnings else "")
    )


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


@events_app.command("add")
def add(
    catalog: CatalogOption = Path("events"),
    deal_id: str | None = ID_OPTION,
    title: str | None = typer.Option(None, "--title", help="One-line description."),
    announced: str | None = typer.Option(None, "--announced", help="Announcement date, YYYY-MM-DD."),
    timing: str | None = typer.Option(None, "--timing", help=" | ".join(TIMINGS)),
    announced_at: str | None = ANNOUNCED_AT_OPTION,
    timing_note: str | None = typer.Option(None, "--timing-note"),
    counterparty: str | None = typer.Option(None, "--counterparty", help="e.g. OpenAI, Anthropic, Meta."),
    kind: str | None = typer.Option(None, "--kind", help=" | ".join(DEAL_KINDS)),
    security: list[str] | None = SECURITY_OPTION,
    no_securities: bool = NO_SECURITIES_OPTION,
    headline_value_usd: float | None = typer.Option(None, "--headline-value-usd", help="USD, as announced."),
    value_qualifier: str | None = typer.Option(None, "--value-qualifier", help=" | ".join(VALUE_QUALIFIERS)),
    value_text: str | None = typer.Option(None, "--value-text", help='e.g. "$38B over seven years".'),
    duration_years: float | None = typer.Option(None, "--duration-years"),
    estimated_value_usd: float | None = typer.Option(None, "--estimated-value-usd"),
    estimated_value_source: str | None = typer.Option(None, "--estimated-value-source", help="https URL."),
    binding_status: str | None = typer.Option(None, "--binding-status", help=" | ".join(BINDING_STATUSES)),
    binding_value_usd: float | None = BINDING_VALUE_OPTION,
    binding_basis: str | None = typer.Option(None, "--binding-basis", help="Why that part is binding."),
    confounder: list[str] | None = CONFOUNDER_OPTION,
    market_event: list[str] | None = MARKET_EVENT_OPTION,
    related: list[str] | None = RELATED_OPTION,
    source: list[str] | None = SOURCE_OPTION,
    notes: str | None = typer.Option(None, "--notes"),
    confidence: str | None = typer.Option(None, "--confidence", help=" | ".join(CONFIDENCES)),
) -> None:
    """Add one deal as a new file <id>.yaml, after validating it together with the catalog.

    Missing required fields are prompted for when run in a terminal; otherwise the command lists them and
    exits with code 2. An existing id is refused and nothing on disk changes.

    Example: dealstudy events add --id amazon-openai-38b --title "Amazon and OpenAI sign a $38B AWS deal"
    --announced 2025-11-03 --timing pre_market --counterparty OpenAI --kind cloud_contract
    --security AMZN:XNAS:provider --headline-value-usd 38e9 --value-qualifier exact
    --binding-status definitive_contract --binding-value-usd 38e9 --binding-basis "Signed agreement"
    --source https://www.aboutamazon.com/news/aws/aws-open-ai-workloads-compute-infrastructure
    """
    from dealstudy.catalog import add_deals, deal_from_options, missing_option_fields

    options: dict[str, object] = {
        "id": deal_id,
        "title": title,
        "announced": announced,
        "timing": timing,
        "counterparty": counterparty,
        "kind": kind,
        "binding_status": binding_status,
        "announced_at": announced_at,
        "timing_note": timing_note,
        "securities": list(security or []),
        "headline_value_usd": headline_value_usd,
        "value_qualifier": value_qualifier,
        "value_text": value_text,
        "duration_years": duration_years,
        "estimated_value_usd": estimated_value_usd,
        "estimated_value_source": estimated_value_source,
        "binding_value_usd": binding_value_usd,
        "binding_basis": binding_basis,
        "confounders": list(confounder or []),
        "market_events": list(market_event or []),
        "related": list(related or []),
        "sources": list(source or []),
        "notes": notes,
        "confidence": confidence,
    }
    missing = missing_option_fields(options, no_securities=no_securities)
    if missing:
        options = _ask_for_missing(options, missing)
    deal = deal_from_options(options)
    (path,) = add_deals(catalog, [deal])
    typer.echo(f"added {deal.id}: wrote {path}")


def _ask_for_missing(options: dict[str, object], missing: list[str]) -> dict[str, object]:
    """``options`` with each missing field prompted for in a terminal; elsewhere refuse, naming them all.

    Raises
    ------
    typer.BadParameter
        When stdin is not a terminal (exit 2, the missing options listed).
    """
    if not _stdin_is_tty():
        names = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise typer.BadParameter(f"missing required option(s): {names}")
    answers: dict[str, object] = {}
    for name in missing:
        if name == "source":
            answers["sources"] = _prompt_list("sources (https URLs, ';'-separated)")
        elif name == "security":
            answers["securities"] = _prompt_list(
                f"securities ({SECURITY_SPEC_HELP}; ';'-separated, empty for none)", True
            )
        else:
            answers[name] = typer.prompt(_prompt_label(name))
    return {**options, **answers}


def _prompt_label(name: str) -> str:
    choices = {
        "timing": TIMINGS,
        "kind": DEAL_KINDS,
        "binding_status": BINDING_STATUSES,
    }.get(name)
    label = name.replace("_", " ")
    if name == "announced":
        label += " (YYYY-MM-DD)"
    if choices:
        label += f" ({' | '.join(choices)})"
    return label


def _prompt_list(label: str, allow_empty: bool = False) -> list[str]:
    text: str = typer.prompt(label, default="" if allow_empty else None, show_default=False)
    return [item.strip() for item in text.split(";") if item.strip()]


@events_app.command("import")
def import_(
    csv_file: Path = CSV_ARGUMENT,
    catalog: CatalogOption = Path("events"),
) -> None:
    """Add every deal of a CSV file to the catalog: all of them, or none when any row has a problem.

    One row per deal x security; deal-level columns repeat on each row of a deal; list columns
    (confounders, market_events, related, sources) are ';'-separated. Columns: see events/README.md.

    Example: dealstudy events import new-deals.csv --catalog events
    """
    from dealstudy.catalog import import_csv

    written = import_csv(catalog, csv_file)
    typer.echo(f"imported {len(written)} deal(s) into {catalog}")
    for path in written:
        typer.echo(f"  {path.name}")
