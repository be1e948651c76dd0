// casebook: sort and filter the debtor table. The page is complete without this file:
// it only adds the controls. No network, no storage, no eval.
(function () {
  "use strict";
  var table = document.getElementById("debtor-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById("debtor-filters");
  var text = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var overdue = document.getElementById("filter-overdue");
  var count = document.getElementById("filter-count");

  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim().toLowerCase();
    return numeric ? parseFloat(value) || 0 : value;
  }

  function sortBy(th, index) {
    var numeric = th.getAttribute("data-type") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var keyed = rows.map(function (row, position) { return [cellKey(row, index, numeric), position, row]; });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) { return ascending ? -1 : 1; }
      if (a[0] > b[0]) { return ascending ? 1 : -1; }
      return a[1] - b[1];
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) { fragment.appendChild(item[2]); });
    body.appendChild(fragment);
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, index); });
  });

  function applyFilter() {
    var words = text.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = status.value;
    var lateOnly = overdue.checked;
    var shown = 0;
    rows.forEach(function (row) {
      var haystack = row.getAttribute("data-search") || "";
      var visible = words.every(function (word) { return haystack.indexOf(word) !== -1; }) &&
        (!wanted || row.getAttribute("data-status") === wanted) &&
        (!lateOnly || parseFloat(row.getAttribute("data-overdue")) > 0);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    // The words come from the page, in the book's language ("{shown} van {total} debiteuren").
    var words = count.getAttribute("data-template") || "{shown} / {total}";
    count.textContent = words.replace("{shown}", shown).replace("{total}", rows.length);
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  text.addEventListener("input", applyFilter);
  status.addEventListener("change", applyFilter);
  overdue.addEventListener("change", applyFilter);
  applyFilter();
}());
