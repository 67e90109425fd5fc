/* The progress entry page: as staff type a result, show the rate, grade and plausibility warnings
   the server computes for it (the admin's check/ endpoint, the same code as the saved page), and
   offer the explanation field when a warning appears. Without this script the page shows them
   after each save. Nothing here decides a grade or a warning. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-check-url]");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var url = form.getAttribute("data-check-url");
  var fields = Array.prototype.filter.call(form.elements, function (el) { return /^result_\d+$/.test(el.name); });
  var timer = null;
  var latest = 0;

  function yearId(name) { return name.replace("result_", ""); }

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = value;
    return el;
  }

  function showGrade(id, result) {
    var cell = document.getElementById("grade_" + id);
    if (!cell) { return; }
    cell.textContent = "";
    if (result.error) {
      cell.appendChild(text("span", "reform-meta", "（入力を読み取れません）"));
      return;
    }
    cell.appendChild(text("span", "reform-grade-tag reform-tone-" + result.tone, result.label));
    if (result.rate) {
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(text("span", "reform-rate", "達成率 " + result.rate));
    }
    if (result.running_total) {
      cell.appendChild(document.createElement("br"));
      cell.appendChild(text("span", "reform-meta", "累計 " + result.running_total));
    }
  }

  function showWarnings(id, result) {
    var box = document.getElementById("warnings_" + id);
    if (!box) { return; }
    var warnings = result.warnings || [];
    var shown = Array.prototype.map.call(box.querySelectorAll("li"), function (li) { return li.textContent; });
    if (shown.join("\n") === warnings.join("\n")) { return; }  // unchanged: do not make screen readers repeat it
    box.textContent = "";
    if (warnings.length) {
      var head = document.createElement("p");
      head.appendChild(text("strong", "", "確認してください"));
      head.appendChild(document.createTextNode("（保存・提出はできます）"));
      box.appendChild(head);
      var list = document.createElement("ul");
      warnings.forEach(function (message) { list.appendChild(text("li", "", message)); });
      box.appendChild(list);
      var explanation = box.parentNode.querySelector(".reform-explanation[hidden]");
      if (explanation) { explanation.hidden = false; }
    }
  }

  var lastQuery = null;
  var submitting = false;

  function check() {
    if (submitting) { return; }
    var params = new URLSearchParams();
    // Once the form is sent the page is replaced: no check is due any more.
  form.addEventListener("submit", function () { submitting = true; window.clearTimeout(timer); });
  fields.forEach(function (el) { params.append(el.name, el.value); });
    var query = params.toString();
    if (query === lastQuery) { return; }  // "change" after "input": already asked
    lastQuery = query;
    var request = ++latest;
    fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || request !== latest) { return; }  // a later request answers for newer input
        Object.keys(body.results).forEach(function (name) {
          showGrade(yearId(name), body.results[name]);
          showWarnings(yearId(name), body.results[name]);
        });
      })
      .catch(function () { /* offline or refused: the page still shows them after saving */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  // Once the form is sent the page is replaced: no check is due any more.
  form.addEventListener("submit", function () { submitting = true; window.clearTimeout(timer); });
  fields.forEach(function (el) {
    el.addEventListener("input", schedule);
    el.addEventListener("change", schedule);
  });
})();
