/* dealstudy report: sortable and filterable tables. Vanilla JS, no network, works from file://. */
(function () {
  "use strict";

  function sortKey(cell, numeric) {
    var raw = cell ? cell.getAttribute("data-sort") : "";
    if (raw === null || raw === "") { return null; }
    if (numeric) {
      var value = parseFloat(raw);
      return isNaN(value) ? null : value;
    }
    return raw;
  }

  function sortBy(table, column, header) {
    var numeric = header.getAttribute("data-type") === "num";
    var direction = header.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute("aria-sort"); }
    header.setAttribute("aria-sort", direction);
    var sign = direction === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = mainRows(table);
    var details = detailRows(table);
    rows.sort(function (a, b) {
      var x = sortKey(a.cells[column], numeric);
      var y = sortKey(b.cells[column], numeric);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   /* missing values last, whatever the direction */
      if (y === null) { return -1; }
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      return 0;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
      var detail = details[row.getAttribute("data-deal")];
      if (detail) { body.appendChild(detail); }   /* a deal's securities stay under it */
    });
  }

  /* The rows of a table that sort and filter: all but the full-width securities rows of the deal table. */
  function mainRows(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (row) {
      return !row.classList.contains("legs-row");
    });
  }

  /* The securities row of each deal, by deal id. */
  function detailRows(table) {
    var out = {};
    Array.prototype.forEach.call(table.querySelectorAll("tr.legs-row"), function (row) {
      out[row.getAttribute("data-legs-of")] = row;
    });
    return out;
  }

  /* A deal's securities row shows when its button is pressed and the deal row itself is shown. */
  function syncDetail(details, row) {
    var detail = details[row.getAttribute("data-deal")];
    var button = row.querySelector("button.legs-toggle");
    if (detail && button) { detail.hidden = row.hidden || button.getAttribute("aria-expanded") !== "true"; }
  }

  /* Without script every deal's securities are listed under it; with it they fold behind a button. */
  function makeExpandable(table) {
    var details = detailRows(table);
    mainRows(table).forEach(function (row) {
      var button = row.querySelector("button.legs-toggle");
      if (!button) { return; }
      var count = row.querySelector(".legs-count");
      if (count) { count.hidden = true; }
      button.hidden = false;
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", open ? "false" : "true");
        syncDetail(details, row);
        var box = table.closest(".scroll");
        if (!open && box) { box.scrollLeft = 0; }   /* show the securities from their first column */
      });
      syncDetail(details, row);
    });
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, column) {
      var button = header.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () { sortBy(table, column, header); });
    });
  }

  function makeFilterable(panel) {
    var table = document.getElementById(panel.getAttribute("data-for"));
    if (!table) { return; }
    var text = panel.querySelector("[data-filter-text]");
    var selects = panel.querySelectorAll("select[data-filter-attr]");
    var count = panel.querySelector("[data-count]");
    var rows = mainRows(table);
    var details = detailRows(table);
    function apply() {
      var query = text ? text.value.trim().toLowerCase() : "";
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ok = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
        for (var j = 0; ok && j < selects.length; j++) {
          var wanted = selects[j].value;
          if (wanted && row.getAttribute(selects[j].getAttribute("data-filter-attr")) !== wanted) { ok = false; }
        }
        row.hidden = !ok;
        syncDetail(details, row);
        if (ok) { shown++; }
      }
      if (count) { count.textContent = "Showing " + shown + " of " + rows.length + " rows"; }
    }
    if (text) { text.addEventListener("input", apply); }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
    panel.hidden = false;
    apply();
  }

  /* The window switch: every value of every window is in the page; show the chosen one, sort by it. */
  function showWindow(win) {
    document.querySelectorAll("[data-window]").forEach(function (el) {
      el.hidden = el.getAttribute("data-window") !== win;
    });
    document.querySelectorAll("[data-sorts]").forEach(function (el) {
      el.getAttribute("data-sorts").split(";").forEach(function (pair) {
        var at = pair.lastIndexOf("=");
        if (pair.slice(0, at) === win) { el.setAttribute("data-sort", pair.slice(at + 1)); }
      });
    });
    document.querySelectorAll(".window-switch input[value='" + win + "']").forEach(function (r) { r.checked = true; });
    try { window.localStorage.setItem("dealstudy-window", win); } catch (e) { /* storage off: no memory */ }
  }

  function makeSwitch(box) {
    box.hidden = false;
    box.addEventListener("change", function (event) { showWindow(event.target.value); });
  }

  document.querySelectorAll(".window-switch").forEach(makeSwitch);
  (function () {
    var saved = null;
    try { saved = window.localStorage.getItem("dealstudy-window"); } catch (e) { saved = null; }
    if (saved && document.querySelector(".window-switch input[value='" + saved + "']")) { showWindow(saved); }
  }());
  document.querySelectorAll("table.deals").forEach(makeExpandable);
  document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  document.querySelectorAll(".filters[data-for]").forEach(makeFilterable);
}());
