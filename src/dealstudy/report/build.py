"""Render a :class:`~dealstudy.report.context.SiteContext` to a static site folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from dealstudy._atomic import atomic_write_csv, atomic_write_text, make_temp_dir
from dealstudy._outdir import check_out, mark_building, mark_output, remove_stale
from dealstudy.report.context import SiteContext
from dealstudy.report.csp import with_script_hashes
from dealstudy.report.environment import environment, static_text

__all__ = ["publish", "render_site", "table_json"]


def _jsonable(value: object) -> object:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json_scalar(value: object) -> str:
    """``value`` as ``json.dumps`` writes it after :func:`_jsonable`."""
    if type(value) is str:  # most cells of the text columns: _jsonable would return them unchanged
        return encode_basestring(value)
    plain = _jsonable(value)
    if plain is None:
        return "null"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, int):
        return int.__repr__(plain)
    if isinstance(plain, float):
        return float.__repr__(plain)
    return encode_basestring(str(plain))


def _column_json(column: pd.Series) -> list[str]:
    """Each value of ``column`` as JSON text (float, int64 and naive datetime columns without the per-value
    type dispatch of :func:`_json_scalar`)."""
    if column.dtype == np.float64:
        return [float.__repr__(x) if math.isfinite(x) else "null" for x in column.tolist()]
    if column.dtype == np.int64:
        return [int.__repr__(x) for x in column.tolist()]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":  # naive datetimes
        midnight = (column == column.dt.normalize()).tolist()  # written as dates; NaT is never midnight
        days = column.dt.strftime("%Y-%m-%d").tolist()
        values = column.tolist()
        return [
            f'"{day}"' if whole else _json_scalar(v)
            for whole, day, v in zip(midnight, days, values, strict=True)
        ]
    return [_json_scalar(v) for v in column.tolist()]


def table_json(frame: pd.DataFrame) -> str:
    """A frame as a JSON array of records: full float precision (repr), NaN as ``null``, ISO dates.

    The text is that of ``json.dumps(records, indent=1, ensure_ascii=False, allow_nan=False)``, written
    column by column (the encoder with ``indent`` is pure Python and was most of the time).
    """
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):  # repeated names: one key each, as the records' dicts keep them
        records = [{str(k): _jsonable(v) for k, v in r.items()} for r in frame.to_dict("records")]
        return json.dumps(records, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    if not len(frame):
        return "[]\n"
    if not names:
        return "[\n" + ",\n".join([" {}"] * len(frame)) + "\n]\n"
    keys = [f"  {encode_basestring(name)}: " for name in names]
    columns = [_column_json(column) for _, column in frame.items()]
    rows = (",\n".join(map(str.__add__, keys, row)) for row in zip(*columns, strict=True))
    return "[\n" + ",\n".join(f" {{\n{r}\n }}" for r in rows) + "\n]\n"


def render_site(context: SiteContext, out_dir: Path | str) -> list[Path]:
    """Write ``index.html``, ``regressions.html``, ``methods.html``, ``deals/<id>.html`` and ``data/``.

    CSS and JavaScript are inlined into every page; pages reference nothing outside the folder. Returns the
    files written.
    """
    out = Path(out_dir)
    env = environment()
    css = Markup(static_text("site.css"))  # our own static files, not user input
    js = Markup(static_text("site.js"))
    written: list[Path] = []

    def page(template: str, target: Path, root: str, name: str, **values: object) -> None:
        html = env.get_template(template).render(
            site=context.site, css=css, js=js, root=root, page=name, **values
        )
        atomic_write_text(target, with_script_hashes(html))
        written.append(target)

    page("index.html.j2", out / "index.html", "", "index", index=context.index)
    page("regressions.html.j2", out / "regressions.html", "", "regressions", regressions=context.regressions)
    page("methods.html.j2", out / "methods.html", "", "methods", methods=context.methods)
    for deal in context.deals:
        page("deal.html.j2", out / "deals" / str(deal["file"]), "../", "deal", deal=deal)
    for table in context.data_tables:
        csv_path = out / "data" / f"{table.name}.csv"
        atomic_write_csv(csv_path, table.frame)
        json_path = out / "data" / f"{table.name}.json"
        atomic_write_text(json_path, table_json(table.frame))
        written += [csv_path, json_path]
    return written


def publish(out_dir: Path | str, build: Callable[[Path], object]) -> Path:
    """Run ``build(tmp)`` into a fresh folder beside ``out_dir``, then swap it in; on failure change nothing.

    ``out_dir`` is checked first (:func:`dealstudy._outdir.check_out`: never a file, never a folder of the
    user's files) and dealstudy's own leftovers of killed runs beside it are removed. The build folder
    carries dealstudy's marker from its creation; the finished one lists every file in it. The previous
    report is renamed aside, the new folder renamed into place and the old one deleted; if the second rename
    fails the old folder is put back. A reader therefore sees either the old or the new report, never a
    half-written one. Folders get 0777 and files 0666 less the umask.
    """
    target = check_out(out_dir, "report")
    remove_stale(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(target.parent, f".{target.name}.building-")
    try:
        mark_building(tmp, "report")
        build(tmp)
        mark_output(tmp, "report")
        check_out(target, "report")  # again: the user may have put files there during the build
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
    return target
