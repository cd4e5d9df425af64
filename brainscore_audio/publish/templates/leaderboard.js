/* brainscore-audio leaderboard table: sort by column, switch raw / ceiled.
 * Works from file:// (no fetch): every number is in data-* attributes of the server-rendered
 * table, written by brainscore_audio/publish/site.py. Plain ES2017, no libraries. */
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var mode = "raw";
  var sorted = { col: -1, dir: "" };

  function value(cell) {
    var text = cell.getAttribute("data-" + mode);
    if (text === null || text === "") { return null; }
    var number = parseFloat(text);
    return isFinite(number) ? number : null;
  }

  function fmt(number) { return number.toFixed(3); }

  function renderColumn(col) {
    var cells = Array.prototype.map.call(tbody.rows, function (row) { return row.cells[col]; });
    var top = 0;
    cells.forEach(function (cell) {
      var v = value(cell);
      if (v !== null) { top = Math.max(top, Math.abs(v)); }
    });
    cells.forEach(function (cell) {
      var v = value(cell);
      var val = cell.querySelector(".val");
      var se = cell.querySelector(".se");
      var fill = cell.querySelector(".bar .fill");
      var whisker = cell.querySelector(".bar .whisker");
      if (!val) { return; }
      val.textContent = v === null ? "\u2013" : fmt(v);
      var err = mode === "raw" ? parseFloat(cell.getAttribute("data-err")) : NaN;
      if (se) { se.textContent = isFinite(err) ? " \u00b1 " + fmt(err) : ""; }
      if (fill) { fill.style.width = (v === null || top === 0 ? 0 : 100 * Math.max(v, 0) / top) + "%"; }
      if (whisker) {
        if (v !== null && isFinite(err) && top > 0) {
          var lo = Math.max(v - err, 0), hi = Math.max(v + err, 0);
          whisker.style.left = (100 * lo / top) + "%";
          whisker.style.width = (100 * (hi - lo) / top) + "%";
          whisker.style.display = "";
        } else {
          whisker.style.display = "none";
        }
      }
    });
  }

  function renderAll() {
    headers.forEach(function (th, col) { if (th.getAttribute("data-type") === "number") { renderColumn(col); } });
    table.classList.toggle("mode-ceiled", mode === "ceiled");
    var legend = document.getElementById("mode-legend");
    if (legend) { legend.textContent = legend.getAttribute("data-" + mode); }
  }

  function sortBy(col, dir) {
    var numeric = headers[col].getAttribute("data-type") === "number";
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var ida = a.getAttribute("data-model"), idb = b.getAttribute("data-model");
      if (!numeric) {
        var c = ida < idb ? -1 : (ida > idb ? 1 : 0);
        return dir === "ascending" ? c : -c;
      }
      var va = value(a.cells[col]), vb = value(b.cells[col]);
      if (va === null && vb === null) { return ida < idb ? -1 : 1; }
      if (va === null) { return 1; }   /* missing scores always last */
      if (vb === null) { return -1; }
      if (va !== vb) { return dir === "ascending" ? va - vb : vb - va; }
      return ida < idb ? -1 : 1;
    });
    rows.forEach(function (row) { tbody.appendChild(row); });
    headers.forEach(function (th, i) {
      if (i === col) { th.setAttribute("aria-sort", dir); } else { th.removeAttribute("aria-sort"); }
    });
    sorted = { col: col, dir: dir };
  }

  headers.forEach(function (th, col) {
    var button = th.querySelector("button.sort");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "number";
      var first = numeric ? "descending" : "ascending";  /* best score first */
      var dir = sorted.col === col ? (sorted.dir === "descending" ? "ascending" : "descending") : first;
      sortBy(col, dir);
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input[name=mode]"), function (input) {
    input.addEventListener("change", function () {
      if (!input.checked) { return; }
      mode = input.value;
      renderAll();
      if (sorted.col >= 0) { sortBy(sorted.col, sorted.dir); }
    });
  });

  renderAll();
})();
