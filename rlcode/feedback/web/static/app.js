// The pages' only script, served as a static file (the CSP allows no other). It reads nothing
// from the candidate: clicking a line number fills the annotation form's line range.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var first = document.getElementById("ann-first");
  var last = document.getElementById("ann-last");
  var table = document.getElementById("code");
  if (!first || !last || !table) return;
  table.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-line]");
    if (!link) return;
    event.preventDefault();
    var n = parseInt(link.getAttribute("data-line"), 10);
    var start = parseInt(first.value, 10);
    if (event.shiftKey && start) {
      first.value = Math.min(start, n);
      last.value = Math.max(start, n);
    } else {
      first.value = n;
      last.value = n;
    }
    table.querySelectorAll("tr.picked").forEach(function (row) { row.classList.remove("picked"); });
    for (var i = parseInt(first.value, 10); i <= parseInt(last.value, 10); i++) {
      var row = document.getElementById("L" + i);
      if (row) row.classList.add("picked");
    }
    document.getElementById("ann-label").focus();
  });
});
