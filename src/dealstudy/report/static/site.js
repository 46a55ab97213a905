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
    var rows = Array.prototype.slice.call(body.rows);
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
    rows.forEach(function (row) { body.appendChild(row); });
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
    var rows = table.tBodies[0].rows;
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
        if (ok) { shown++; }
      }
      if (count) { count.textContent = "Showing " + shown + " of " + rows.length + " rows"; }
    }
    if (text) { text.addEventListener("input", apply); }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
    panel.hidden = false;
    apply();
  }

  document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  document.querySelectorAll(".filters[data-for]").forEach(makeFilterable);
}());
