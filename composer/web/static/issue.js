/* The issue page and the item editor: live preview (server-sent events) and drag-and-drop order.
 * No build step, no dependencies beyond the vendored SortableJS (issue page only). */
(function () {
  "use strict";
  var root = document.getElementById("issue-root");
  if (!root) return;
  var issue = encodeURIComponent(root.dataset.issue);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var wrap = document.getElementById("items-wrap");
  var frame = document.getElementById("preview");
  var live = document.getElementById("live");
  var dragging = false;

  function bindSortable() {
    if (!wrap || !window.Sortable) return;
    wrap.querySelectorAll("tbody[data-section]").forEach(function (tbody) {
      window.Sortable.create(tbody, {
        group: "items", draggable: "tr.item", handle: ".handle", animation: 120,
        onStart: function () { dragging = true; },
        onEnd: saveOrder
      });
    });
  }

  function saveOrder(evt) {
    dragging = false;
    if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
    var body = new FormData();
    wrap.querySelectorAll("tbody[data-section]").forEach(function (tbody) {
      tbody.querySelectorAll("tr.item").forEach(function (tr) {
        body.append("layout", tbody.dataset.section + "\t" + tr.dataset.key);
      });
    });
    fetch("/issues/" + issue + "/arrange", {method: "POST", body: body, headers: {"X-CSRF-Token": csrf}})
      .then(function (r) {
        if (r.ok || r.status === 422) return r.text().then(function (html) { wrap.innerHTML = html; bindSortable(); });
        alert("没有保存（" + r.status + "）：请刷新页面后重试。");
      });
  }

  function refreshItems() {
    if (!wrap || dragging) return;
    fetch("/issues/" + issue + "/items").then(function (r) {
      if (r.ok && !dragging) return r.text().then(function (html) {
        var message = document.getElementById("items-message");  // the last drag's outcome stays in view
        wrap.innerHTML = html;
        if (message && !document.getElementById("items-message")) wrap.insertBefore(message, wrap.firstChild);
        bindSortable();
      });
    });
  }

  function reloadPreview() {
    if (frame && frame.contentWindow) frame.contentWindow.location.reload();  // keeps the scroll position
  }

  // the item editor: keep the edited item in view in the preview (found by its title)
  function showItem() {
    var needle = frame && frame.dataset.find;
    var doc = frame && frame.contentDocument;
    if (!needle || !doc) return;
    var norm = function (t) { return t.replace(/[\s\u200b\u00ad]/g, ""); };
    needle = norm(needle);
    var found = Array.prototype.find.call(doc.querySelectorAll("h1, h2, h3, h4, p"), function (el) {
      return norm(el.textContent).indexOf(needle) >= 0;
    });
    if (found) {
      var win = frame.contentWindow;  // scroll the preview only, never the editor's page
      win.scrollTo(0, found.getBoundingClientRect().top + win.scrollY - frame.clientHeight / 4);
      found.style.outline = "3px solid rgba(204, 0, 0, .35)";
      found.style.outlineOffset = "4px";
    }
  }
  if (frame) {
    frame.addEventListener("load", showItem);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") showItem();
  }

  if (window.EventSource) {
    var events = new EventSource("/issues/" + issue + "/events");
    events.addEventListener("change", function () { reloadPreview(); refreshItems(); });
    events.onopen = function () { if (live) { live.className = "tag ok"; live.title = "正在监视本期文件夹"; } };
    events.onerror = function () { if (live) { live.className = "tag"; live.title = "连接中断，正在重连"; } };
  }
  bindSortable();
})();
