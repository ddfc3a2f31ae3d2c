/* Shared by the chat page, the desk view and the widget: DOM helpers, the API
 * client, text rendering and the document viewer.
 *
 * Rule for every file in web/: text from visitors and from documents is only ever
 * inserted with textContent (through el() and renderText()), never as HTML.
 * The widget script is these files wrapped in one function, so nothing here leaks
 * into a host page's globals.
 */
/* exported ClinicChat */
var ClinicChat = (function () {
  "use strict";

  // The served pages pass the corpus's own suggestions; a page that passes none offers none.
  var DEFAULT_SUGGESTIONS = [];
  var DEFAULT_DISCLAIMER =
    "This is general information quoted from the clinic's documents, not medical advice. " +
    "It cannot replace a consultation with your own doctor, who knows your case. " +
    "If you think you have a medical emergency, call your local emergency number now.";

  /** Build an element. attrs: {class, text, data: {...}, any other attribute}. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") {
        node.textContent = String(value);
      } else if (key === "class") {
        node.className = value;
      } else if (key === "data") {
        for (var name in value) {
          if (Object.prototype.hasOwnProperty.call(value, name)) node.setAttribute("data-" + name, String(value[name]));
        }
      } else if (key === "hidden") {
        node.hidden = true;
      } else if (key.slice(0, 2) === "on") {
        throw new Error("el(): attach handlers with addEventListener, not " + key);
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var reducedMotion = function () {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  };

  /** A tel: link for a phone number (only digits and + survive into the href). */
  function telLink(number, label, className) {
    var digits = String(number || "").replace(/[^0-9+]/g, "");
    return el("a", { href: "tel:" + digits, class: className || "cc-tel" }, label || String(number));
  }

  /* ---- text rendering: paragraphs, bullet lists and headings, always as text ---- */

  var BULLET = /^\s*(?:[-*\u2022]|\d+[.)])\s+/;
  var HEADING = /^\s*(#{1,6})\s+(.*)$/;

  /** Plain text (with Markdown-like bullets and headings) -> a fragment of p/ul/h elements. */
  function renderText(text, options) {
    options = options || {};
    var fragment = document.createDocumentFragment();
    var blocks = String(text || "").replace(/\r\n?/g, "\n").split(/\n\s*\n/);
    blocks.forEach(function (block) {
      var lines = block.split("\n").filter(function (line) { return line.trim() !== ""; });
      var paragraph = [];
      var list = null;
      var flush = function () {
        if (paragraph.length) fragment.appendChild(el("p", { text: paragraph.join(" ") }));
        paragraph = [];
      };
      lines.forEach(function (line) {
        var heading = HEADING.exec(line);
        if (heading) {
          flush();
          list = null;
          var level = Math.min(6, heading[1].length + (options.headingOffset || 0));
          fragment.appendChild(el("h" + Math.max(2, level), { class: "cc-doc-heading", text: heading[2].trim() }));
        } else if (BULLET.test(line)) {
          flush();
          if (!list) {
            list = el("ul");
            fragment.appendChild(list);
          }
          list.appendChild(el("li", { text: line.replace(BULLET, "").trim() }));
        } else if (list && /^\s{2,}/.test(line)) {
          var last = list.lastChild;
          last.textContent = last.textContent + " " + line.trim();
        } else {
          list = null;
          paragraph.push(line.trim());
        }
      });
      flush();
    });
    return fragment;
  }

  /** A short excerpt of a passage on one line. */
  function excerpt(text, limit) {
    var flat = String(text || "").replace(/^\s*[-*\u2022]\s+/gm, "\u2022 ").replace(/\s+/g, " ").trim();
    limit = limit || 220;
    if (flat.length <= limit) return flat;
    var cut = flat.lastIndexOf(" ", limit);
    return flat.slice(0, cut > limit * 0.6 ? cut : limit) + "\u2026";
  }

  /* ---- citations and plain-text answers ---- */

  function citationWhere(citation) {
    var parts = [citation.document || citation.document_id || "Document"];
    // an opening passage's section is the document title itself: say it once
    if (citation.section && citation.section !== parts[0]) parts.push(String(citation.section).replace(/ > /g, " \u203a "));
    var where = parts.join(" \u203a ");
    if (citation.page !== null && citation.page !== undefined) where += ", p. " + citation.page;
    return where;
  }

  /** The address of the document view at a passage: base + /documents/<id>#passage=<passage id>. */
  function passageUrl(base, citation) {
    var url = String(base || "").replace(/\/+$/, "") + "/documents/" + encodeURIComponent(citation.document_id || "");
    var passage = citation.passage_id;
    return passage ? url + "#passage=" + encodeURIComponent(passage) : url;
  }

  /** The reply as plain text ready to read out or paste into an e-mail: each source by its
   * title and section with a link to the passage (options.base: the public address of this server). */
  function plainTextAnswer(reply, options) {
    options = options || {};
    var lines = [];
    if (reply.type === "urgent") lines.push("URGENT");
    lines.push(String(reply.reply || "").trim());
    var passages = reply.passages || [];
    if (passages.length) {
      lines.push("", "Sources:");
      passages.forEach(function (passage) {
        var citation = passage.citation || {};
        lines.push("", (citation.label || "") + " " + citationWhere(citation));
        if (options.base !== undefined && citation.document_id) lines.push(passageUrl(options.base, citation));
        lines.push(String(passage.text || "").trim());
      });
    }
    if (reply.disclaimer) lines.push("", reply.disclaimer);
    return lines.join("\n");
  }

  /* Web addresses and telephone numbers in replies and notices become links (as text: no markup). */
  var URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/;
  var PHONE_PATTERN = /\+?\d[\d ()\-]{5,}\d/;

  function escapeRegExp(text) {
    return String(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function linkPattern(extraNumbers) {
    var parts = [URL_PATTERN.source, PHONE_PATTERN.source];
    (extraNumbers || []).forEach(function (number) {
      if (number) parts.push("(?:^|\\b)" + escapeRegExp(number) + "(?![\\d])");
    });
    return new RegExp(parts.join("|"), "g");
  }

  /** Plain text -> nodes, with https: links and tel: links for numbers (extraNumbers: short ones such as 999). */
  function linkify(text, extraNumbers) {
    text = String(text || "");
    var nodes = [];
    var pattern = linkPattern(extraNumbers);
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var found = match[0];
      var start = match.index;
      if (/^https?:/i.test(found)) {
        if (start > last) nodes.push(document.createTextNode(text.slice(last, start)));
        nodes.push(el("a", { href: found, class: "cc-link", rel: "noopener noreferrer", target: "_blank" }, found));
        last = start + found.length;
        continue;
      }
      var digits = found.replace(/[^0-9]/g, "");
      var isExtra = (extraNumbers || []).some(function (n) { return n && found.trim() === String(n); });
      // a year range ("2019-2023") or a short run of digits is not a telephone number
      if (!isExtra && (digits.length < 7 || /^\d{4}\s*[-\u2013]\s*\d{4}$/.test(found))) continue;
      found = found.trim();
      start = text.indexOf(found, start);
      if (start > last) nodes.push(document.createTextNode(text.slice(last, start)));
      nodes.push(telLink(found, found, "cc-link cc-link--tel"));
      last = start + found.length;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /** Reply text with its [n] markers turned into buttons that open source n.
   * A marker stays on the line of the word before it and of the punctuation after it. */
  function renderReplyText(text, onCite, extraNumbers) {
    var fragment = document.createDocumentFragment();
    String(text || "").split(/\n\s*\n/).forEach(function (chunk) {
      var p = el("p", { class: "cc-reply-text" });
      var pattern = /\s*\[(\d{1,2})\]([.,;:!?)]*)/g;
      var last = 0;
      var match;
      while ((match = pattern.exec(chunk)) !== null) {
        if (match.index > last) append(p, linkify(chunk.slice(last, match.index), extraNumbers));
        var number = Number(match[1]);
        var marker;
        if (onCite) {
          marker = el("button", {
            type: "button",
            class: "cc-cite",
            "aria-label": "Open source " + number,
            data: { cite: number }
          }, "[" + number + "]");
          marker.addEventListener("click", onCite.bind(null, number));
        } else {
          marker = document.createTextNode("[" + number + "]");
        }
        // "\u00a0": no line break between the word and its marker; the group keeps "[1]." together
        p.appendChild(el("span", { class: "cc-cite-group" }, [match[0].charAt(0) === "[" ? "" : "\u00a0", marker, match[2]]));
        last = pattern.lastIndex;
      }
      if (last < chunk.length) append(p, linkify(chunk.slice(last), extraNumbers));
      fragment.appendChild(p);
    });
    return fragment;
  }

  /* ---- the API client ---- */

  function ApiError(kind, status, message, retryAfter) {
    this.kind = kind; // "network" | "rate_limit" | "server" | "request"
    this.status = status;
    this.message = message;
    this.retryAfter = retryAfter;
  }

  function friendlyError(error) {
    if (!(error instanceof ApiError)) {
      return "Something went wrong on this page. Please try again.";
    }
    if (error.kind === "origin") {
      return "This website is not set up for the clinic's chat assistant yet, so it cannot answer here. " +
        "Please contact the clinic directly.";
    }
    if (error.kind === "network") {
      return "We could not reach the clinic's assistant. Check your internet connection and try again.";
    }
    if (error.kind === "rate_limit") {
      var wait = error.retryAfter ? " Please wait about " + error.retryAfter + " seconds" : " Please wait a minute";
      return "Too many questions in a short time." + wait + " and try again.";
    }
    if (error.kind === "server") {
      return "The assistant had a problem answering (error " + error.status + "). Please try again in a moment.";
    }
    return error.message || "The question could not be sent. Please change it and try again.";
  }

  function Api(base) {
    this.base = String(base || "").replace(/\/+$/, "");
  }

  Api.prototype.request = function (path, init) {
    init = init || {};
    var self = this;
    var url = this.base + path;
    return fetch(url, {
      method: init.method || "GET",
      headers: init.body ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: init.signal,
      credentials: "omit",
      mode: self.base ? "cors" : "same-origin"
    }).then(function (response) {
      return response.text().then(function (raw) {
        var body = null;
        try {
          body = raw ? JSON.parse(raw) : null;
        } catch (ignored) {
          body = null;
        }
        if (response.ok && body) return body;
        var message = body && body.error && body.error.message ? String(body.error.message) : "";
        if (response.status === 429) {
          throw new ApiError("rate_limit", 429, message, response.headers.get("Retry-After"));
        }
        if (response.status >= 500 || response.ok) throw new ApiError("server", response.status, message);
        throw new ApiError("request", response.status, message);
      });
    }, function (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError("network", 0, "");
    });
  };

  Api.prototype.chat = function (message, context, signal) {
    var body = { message: message };
    if (context !== null && context !== undefined) body.context = context;
    return this.request("/api/chat", { method: "POST", body: body, signal: signal });
  };

  Api.prototype.documents = function () {
    return this.request("/api/documents");
  };

  Api.prototype.document = function (id) {
    return this.request("/api/documents/" + encodeURIComponent(id));
  };

  Api.prototype.health = function () {
    return this.request("/api/health");
  };

  /* ---- documents: the list and one document with its passages ---- */

  function documentList(body) {
    var list = Array.isArray(body) ? body : (body && body.documents) || [];
    return list.map(function (doc) {
      var sections = (doc.sections || []).map(function (section) {
        if (typeof section === "string") return { title: section, heading: section, level: 2, start: null };
        var path = Array.isArray(section.path) ? section.path : [];
        return {
          title: path.join(" \u203a "),
          heading: path.length ? path[path.length - 1] : "",
          level: section.level || path.length + 1,
          start: typeof section.start === "number" ? section.start : null
        };
      });
      return { id: doc.id, title: doc.title || doc.id, source: doc.source, sections: sections };
    });
  }

  /** Split a document's text into ordered segments: passages (by offsets) and the text between them. */
  function documentSegments(doc) {
    var text = String(doc.text || "");
    var passages = (doc.passages || []).filter(function (p) {
      return typeof p.start === "number" && typeof p.end === "number" && p.end > p.start;
    }).slice().sort(function (a, b) { return a.start - b.start; });
    var segments = [];
    var position = 0;
    passages.forEach(function (p) {
      if (p.start < position) return; // overlapping passage: keep the first
      if (p.start > position) segments.push({ kind: "gap", text: text.slice(position, p.start) });
      segments.push({ kind: "passage", id: p.id, start: p.start, page: p.page, text: text.slice(p.start, p.end) });
      position = p.end;
    });
    if (position < text.length) segments.push({ kind: "gap", text: text.slice(position) });
    if (segments.length && segments[0].kind === "gap") {
      segments[0].text = segments[0].text.replace(/^\uFEFF?---\n[\s\S]*?\n---[ \t]*(\n|$)/, "");
    }
    return segments;
  }

  /** One CSV row -> its fields (quotes and doubled quotes handled). */
  function parseCsvRow(line) {
    var fields = [];
    var field = "";
    var quoted = false;
    for (var i = 0; i < line.length; i += 1) {
      var ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          field += '"';
          i += 1;
        } else if (ch === '"') {
          quoted = false;
        } else {
          field += ch;
        }
      } else if (ch === '"') {
        quoted = true;
      } else if (ch === ",") {
        fields.push(field);
        field = "";
      } else {
        field += ch;
      }
    }
    fields.push(field);
    return fields;
  }

  /** An FAQ row (a JSON line or a CSV row) -> {question, answer}, or null if it does not parse. */
  function faqRow(raw, header) {
    var trimmed = raw.trim();
    try {
      if (trimmed.charAt(0) === "{") {
        var row = JSON.parse(trimmed);
        return { question: String(row.question || ""), answer: String(row.answer || "") };
      }
    } catch (ignored) {
      return null;
    }
    if (!header) return null;
    var values = parseCsvRow(trimmed);
    return { question: values[header.indexOf("question")] || "", answer: values[header.indexOf("answer")] || "" };
  }

  function renderDocument(doc, target, options) {
    options = options || {};
    clear(target);
    var cited = null;
    var bySection = null;
    var faq = doc.format === "faq";
    var text = String(doc.text || "");
    var header = faq && text.charAt(0) !== "{" ? parseCsvRow(text.split("\n")[0].trim().toLowerCase()) : null;
    var page = null;
    documentSegments(doc).forEach(function (segment) {
      if (segment.kind === "gap") {
        if (!faq) target.appendChild(renderText(segment.text));
        return;
      }
      if (typeof segment.page === "number" && segment.page !== page) {
        page = segment.page;
        target.appendChild(el("p", { class: "cc-page-marker", data: { page: page }, text: "p. " + page }));
      }
      var isCited = options.passageId && segment.id === options.passageId;
      var block = el("div", {
        class: "cc-passage" + (isCited ? " cc-passage--cited" : ""),
        data: { "passage-id": segment.id, start: segment.start },
        tabindex: isCited ? "-1" : null
      });
      if (isCited) block.appendChild(el("p", { class: "cc-cited-label", text: "Quoted in the answer" }));
      var row = faq ? faqRow(segment.text, header) : null;
      if (row) {
        block.appendChild(el("h3", { class: "cc-doc-heading", text: row.question }));
        block.appendChild(renderText(row.answer));
      } else {
        block.appendChild(renderText(segment.text));
      }
      target.appendChild(block);
      if (isCited) cited = block;
    });
    if (!cited && options.section) {
      var wanted = String(options.section).toLowerCase();
      Array.prototype.forEach.call(target.querySelectorAll(".cc-doc-heading"), function (heading) {
        if (!bySection && heading.textContent.trim().toLowerCase() === wanted) bySection = heading;
      });
      if (bySection) {
        bySection.setAttribute("tabindex", "-1");
        bySection.classList.add("cc-heading--target");
      }
    }
    if (!cited && !bySection && typeof options.offset === "number") {
      // no heading line to find (a plain-text or PDF document): the first passage after the heading
      Array.prototype.forEach.call(target.querySelectorAll(".cc-passage"), function (block) {
        if (!bySection && Number(block.getAttribute("data-start")) >= options.offset) bySection = block;
      });
      if (bySection) bySection.setAttribute("tabindex", "-1");
    }
    return cited || bySection;
  }

  function scrollToTarget(node) {
    if (!node) return;
    // a short passage in the middle of the view; a long one from its first line
    var tall = node.getBoundingClientRect().height > window.innerHeight * 0.6;
    node.scrollIntoView({ block: tall ? "start" : "center", behavior: reducedMotion() ? "auto" : "smooth" });
    try {
      node.focus({ preventScroll: true });
    } catch (ignored) {
      node.focus();
    }
  }

  /**
   * A modal <dialog> that shows one document with a passage highlighted.
   * root: where to put the dialog (document.body or a shadow root's container).
   */
  function DocumentViewer(api, root) {
    var self = this;
    this.api = api;
    this.title = el("h2", { class: "cc-doc-title", id: uniqueId("cc-doc-title"), tabindex: "-1" });
    this.meta = el("p", { class: "cc-doc-meta" });
    this.body = el("div", { class: "cc-doc-body", data: { "document-body": "" } });
    this.closeButton = el("button", { type: "button", class: "cc-button cc-doc-close", data: { action: "close-document" } }, "Close");
    this.dialog = el("dialog", {
      class: "cc-doc-dialog",
      "aria-labelledby": this.title.id,
      data: { "document-view": "" }
    }, [
      el("div", { class: "cc-doc-header" }, [el("div", { class: "cc-doc-heading-wrap" }, [this.title, this.meta]), this.closeButton]),
      this.body
    ]);
    this.closeButton.addEventListener("click", function () { self.close(); });
    this.dialog.addEventListener("click", function (event) {
      if (event.target === self.dialog) self.close(); // a click on the backdrop
    });
    this.dialog.addEventListener("close", function () {
      if (self.returnFocus && self.returnFocus.isConnected) self.returnFocus.focus();
    });
    root.appendChild(this.dialog);
  }

  DocumentViewer.prototype.open = function (documentId, options) {
    var self = this;
    options = options || {};
    this.returnFocus = options.returnFocus || null;
    this.title.textContent = options.title || "Loading the document\u2026";
    this.meta.textContent = "";
    clear(this.body);
    this.body.appendChild(el("p", { class: "cc-doc-loading", role: "status", text: "Loading the document\u2026" }));
    if (!this.dialog.open) {
      if (typeof this.dialog.showModal === "function") this.dialog.showModal();
      else this.dialog.setAttribute("open", "");
    }
    this.closeButton.focus();
    return this.api.document(documentId).then(function (doc) {
      self.title.textContent = doc.title || options.title || documentId;
      sourceLine(self.meta, doc, options);
      var target = renderDocument(doc, self.body, options);
      if (target) {
        scrollToTarget(target);
      } else {
        self.title.focus();
      }
      return target;
    }, function (error) {
      clear(self.body);
      self.body.appendChild(el("p", { class: "cc-error-text", role: "alert", text: friendlyError(error) }));
    });
  };

  /** The section of the passage (or the section asked for) shown under the title; a web page source
   * is linked. A file name means nothing to a patient and is not shown. */
  function sectionOf(doc, options) {
    options = options || {};
    var found = null;
    (doc.passages || []).forEach(function (p) {
      if (!found && options.passageId && p.id === options.passageId) found = p;
    });
    if (found && found.section_path && found.section_path.length) return found.section_path.join(" \u203a ");
    if (found && found.section && found.section !== doc.title) return found.section;
    return options.section || "";
  }

  function sourceLine(target, doc, options) {
    clear(target);
    if (typeof doc === "string" || !doc) doc = { source: doc };
    var section = sectionOf(doc, options);
    if (section) append(target, [el("span", { class: "cc-doc-section", text: "Section: " + section })]);
    if (doc.source && /^https?:\/\//i.test(doc.source)) {
      if (section) append(target, " \u00b7 ");
      append(target, ["Original page: ", el("a", { href: doc.source, rel: "noopener noreferrer", target: "_blank" }, doc.source)]);
    }
  }

  DocumentViewer.prototype.close = function () {
    if (this.dialog.open) {
      if (typeof this.dialog.close === "function") this.dialog.close();
      else this.dialog.removeAttribute("open");
    }
  };

  var counter = 0;
  function uniqueId(prefix) {
    counter += 1;
    return prefix + "-" + counter + "-" + Math.random().toString(36).slice(2, 7);
  }

  /** Call fn after `wait` ms of quiet. */
  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      var that = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(that, args); }, wait);
    };
  }

  /** Copy text to the clipboard; falls back to a hidden textarea where the async API is missing. */
  function copyText(text, root) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () {
        return legacyCopy(text, root);
      });
    }
    return Promise.resolve(legacyCopy(text, root));
  }

  function legacyCopy(text, root) {
    var area = el("textarea", { class: "cc-offscreen", readonly: true, "aria-hidden": "true" });
    area.value = text;
    (root || document.body).appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (ignored) {
      ok = false;
    }
    area.parentNode.removeChild(area);
    return ok;
  }

  return {
    Api: Api,
    ApiError: ApiError,
    DEFAULT_DISCLAIMER: DEFAULT_DISCLAIMER,
    DEFAULT_SUGGESTIONS: DEFAULT_SUGGESTIONS,
    DocumentViewer: DocumentViewer,
    append: append,
    citationWhere: citationWhere,
    clear: clear,
    copyText: copyText,
    debounce: debounce,
    documentList: documentList,
    documentSegments: documentSegments,
    el: el,
    excerpt: excerpt,
    friendlyError: friendlyError,
    linkify: linkify,
    passageUrl: passageUrl,
    plainTextAnswer: plainTextAnswer,
    reducedMotion: reducedMotion,
    renderDocument: renderDocument,
    renderReplyText: renderReplyText,
    renderText: renderText,
    scrollToTarget: scrollToTarget,
    sourceLine: sourceLine,
    telLink: telLink,
    uniqueId: uniqueId
  };
})();
