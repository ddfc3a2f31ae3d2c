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
    C.sourceLine(meta, doc.source);
    C.scrollToTarget(C.renderDocument(doc, body, { passageId: hash.get("passage"), section: hash.get("section") }));
  }, function (error) {
    C.clear(body);
    body.appendChild(C.el("p", { class: "cc-error-text", role: "alert", text: C.friendlyError(error) }));
  });
})(ClinicChat);
