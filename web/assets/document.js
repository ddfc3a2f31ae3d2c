/* A document on its own page: /documents/<id>#passage=<passage id> highlights and scrolls to a passage. */
(function (C) {
  "use strict";
  var parts = window.location.pathname.split("/").filter(Boolean);
  var id = decodeURIComponent(parts[parts.length - 1] || "");
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var title = document.querySelector("[data-doc-title]");
  var meta = document.querySelector("[data-doc-meta]");
  var body = document.querySelector("[data-document-body]");
  new C.Api("").document(id).then(function (doc) {
    title.textContent = doc.title || id;
    document.title = (doc.title || id) + " | Patient questions";
    var where = { passageId: hash.get("passage"), section: hash.get("section") };
    C.sourceLine(meta, doc, where);
    C.scrollToTarget(C.renderDocument(doc, body, where));
  }, function (error) {
    C.clear(body);
    body.appendChild(C.el("p", { class: "cc-error-text", role: "alert", text: C.friendlyError(error) }));
  });
})(ClinicChat);
