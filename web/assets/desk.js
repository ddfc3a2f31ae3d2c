/* The reception desk view (/desk): answers as you type, copy-ready answers, the document index. */
(function (C) {
  "use strict";

  var el = C.el;
  var api = new C.Api("");
  var viewer = new C.DocumentViewer(api, document.body);
  var input = document.getElementById("desk-q");
  var status = document.querySelector("[data-desk-status]");
  var results = document.querySelector("[data-desk-results]");
  var index = document.querySelector("[data-desk-index]");
  var MIN_CHARS = 3;
  var DELAY_MS = 350;
  // A decline while the last word is still being typed ("how long does bo") waits for a space,
  // punctuation, Enter or this long a pause before it is shown.
  var DECLINE_PAUSE_MS = 1200;
  var declineTimer = null;
  // Links in copied answers: the clinic's public address of this server (public_url) when set.
  var publicBase = document.body.getAttribute("data-public-url") || window.location.origin;
  var lastQuery = "";
  var controller = null;
  var sequence = 0;

  function setStatus(text) {
    status.textContent = text;
  }

  function renderResult(reply) {
    C.clear(results);
    var type = reply.type || "answer";
    var box = el("div", { class: "cc-msg cc-msg--bot cc-msg--" + type, data: { type: type, result: "" } });
    if (type === "urgent") {
      box.appendChild(el("p", { class: "cc-urgent-banner" }, [
        el("span", { class: "cc-urgent-icon", "aria-hidden": "true", text: "\u26A0" }),
        el("strong", { text: "Urgent: tell the caller to get emergency help now" })
      ]));
      box.appendChild(el("p", { class: "cc-desk-urgent-text", data: { "desk-urgent": "" } }, deskUrgentText(reply)));
      box.appendChild(el("p", { class: "cc-who", text: "What the chat tells a patient who writes this:" }));
    }
    (reply.corrections || []).forEach(function (c) {
      box.appendChild(el("p", { class: "cc-correction", text: "Searched for \u201c" + c.to + "\u201d instead of \u201c" + c.from + "\u201d." }));
    });
    box.appendChild(C.renderReplyText(reply.reply, null, [reply.emergency_number, reply.crisis_line]));
    var copyButton = el("button", { type: "button", class: "cc-button", data: { action: "copy" } }, "Copy answer with source");
    var copied = el("span", { class: "cc-copied", role: "status", data: { copied: "" } });
    copyButton.addEventListener("click", function () {
      var text = C.plainTextAnswer(reply, { base: publicBase });
      copyButton.setAttribute("data-copied-text", text);
      C.copyText(text, document.body).then(function (ok) {
        copied.textContent = ok ? "Copied: reply, " + (reply.passages || []).length + " sources and the disclaimer." :
          "Could not copy; select the text and press Ctrl+C.";
      });
    });
    results.appendChild(box);
    results.appendChild(el("div", { class: "cc-desk-actions" }, [copyButton, copied]));
    (reply.passages || []).forEach(function (passage, i) {
      var citation = passage.citation || {};
      var open = el("button", { type: "button", class: "cc-linkish", data: { source: i + 1 } }, "Show in the document");
      open.addEventListener("click", function () {
        viewer.open(citation.document_id, { passageId: citation.passage_id || passage.id, title: citation.document, returnFocus: open });
      });
      var article = el("article", { class: "cc-desk-passage", data: { "passage-id": passage.id } }, [
        el("h3", null, [
          el("span", { class: "cc-source-label", text: (citation.label || "[" + (i + 1) + "]") + " " }),
          C.citationWhere(citation)
        ]),
        C.renderText(passage.text),
        el("p", { class: "cc-score" }, [
          passage.matched_terms && passage.matched_terms.length ? "Matched: " + passage.matched_terms.join(", ") + " \u00b7 " : "",
          open
        ])
      ]);
      results.appendChild(article);
    });
    results.appendChild(el("p", { class: "cc-disclaimer", text: reply.disclaimer || C.DEFAULT_DISCLAIMER }));
  }

  /** The urgent reply told to the receptionist: what to tell the caller, not "do not wait for a reply here". */
  function deskUrgentText(reply) {
    var parts = [];
    if (reply.crisis_line) {
      parts.push("Tell the caller they can talk to someone now on the crisis line ");
      parts.push(C.telLink(reply.crisis_line, reply.crisis_line, "cc-link cc-link--tel"));
      parts.push(", any time of day, and to call ");
      parts.push(C.telLink(reply.emergency_number, reply.emergency_number, "cc-link cc-link--tel"));
      parts.push(" if they are in immediate danger. Stay with them on the line; do not book or give advice.");
      return parts;
    }
    parts.push("Tell the caller to call ");
    if (reply.emergency_number) parts.push(C.telLink(reply.emergency_number, reply.emergency_number, "cc-link cc-link--tel"));
    else parts.push("the emergency number");
    parts.push(" now or go to the nearest emergency department, and not to wait for a call back or an appointment. " +
      "Do not book or give advice; let the clinical team know about the call.");
    return parts;
  }

  /** Does the question end at a word boundary (a space or punctuation after the last word)? */
  function atWordEnd() {
    return /[\s.,;:!?)]$/.test(input.value);
  }

  function search(force) {
    var query = input.value.trim();
    if (query.length < MIN_CHARS) {
      if (controller) controller.abort();
      lastQuery = "";
      C.clear(results);
      setStatus(query ? "Type at least " + MIN_CHARS + " characters." : "");
      return;
    }
    if (query === lastQuery && !force) return;
    lastQuery = query;
    clearTimeout(declineTimer);
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var mine = ++sequence;
    setStatus("Searching\u2026");
    results.setAttribute("aria-busy", "true");
    api.chat(query, null, controller ? controller.signal : undefined).then(function (reply) {
      if (mine !== sequence) return;
      results.setAttribute("aria-busy", "false");
      var show = function () {
        if (mine !== sequence) return;
        renderResult(reply);
        var count = (reply.passages || []).length;
        var kind = { not_found: "Not in the documents.", urgent: "Urgent message.", smalltalk: "No search needed." }[reply.type];
        setStatus(kind || (count + (count === 1 ? " passage" : " passages") + " found."));
      };
      if (reply.type === "not_found" && !force && !atWordEnd()) {
        // mid-word: keep what is shown, decline only if the typing stops here
        setStatus("Searching\u2026");
        declineTimer = setTimeout(show, DECLINE_PAUSE_MS);
        return;
      }
      show();
    }, function (error) {
      if (error && error.name === "AbortError") return;
      if (mine !== sequence) return;
      results.setAttribute("aria-busy", "false");
      lastQuery = "";
      C.clear(results);
      var retry = el("button", { type: "button", class: "cc-button", data: { action: "retry" } }, "Try again");
      retry.addEventListener("click", function () { search(true); });
      results.appendChild(el("div", { class: "cc-error", role: "alert", data: { error: "" } }, [
        el("p", { class: "cc-error-text", text: C.friendlyError(error) }), retry
      ]));
      setStatus("");
    });
  }

  var later = C.debounce(function () { search(false); }, DELAY_MS);
  input.addEventListener("input", later);
  input.closest("form").addEventListener("submit", function (event) {
    event.preventDefault();
    search(true);
  });

  function renderIndex(body) {
    C.clear(index);
    var documents = C.documentList(body);
    if (!documents.length) {
      index.appendChild(el("p", { text: "No documents are loaded." }));
      return;
    }
    documents.forEach(function (doc) {
      var openDoc = el("button", { type: "button", class: "cc-linkish", data: { document: doc.id } }, doc.title);
      openDoc.addEventListener("click", function () {
        viewer.open(doc.id, { title: doc.title, returnFocus: openDoc });
      });
      var list = el("ul");
      doc.sections.forEach(function (section) {
        if (!section.title) return;
        var button = el("button", { type: "button", class: "cc-linkish", data: { section: section.heading } }, section.heading);
        button.addEventListener("click", function () {
          viewer.open(doc.id, { title: doc.title, section: section.heading, offset: section.start, returnFocus: button });
        });
        list.appendChild(el("li", { class: "cc-index-level-" + Math.min(4, section.level) }, button));
      });
      index.appendChild(el("section", { class: "cc-index-doc" }, [el("h3", null, openDoc), list]));
    });
  }

  api.documents().then(renderIndex, function (error) {
    C.clear(index);
    index.appendChild(el("p", { class: "cc-error-text", role: "alert", text: C.friendlyError(error) }));
  });
})(ClinicChat);
