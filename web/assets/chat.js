/* The conversation: used by the chat page and, inside a shadow root, by the widget.
 * ClinicChat.mountChat(container, {api, storageKey, title, viewerRoot, compact}) builds the whole view.
 * compact (the widget): the notice scrolls with the conversation, and the full disclaimer sits
 * under the question box behind a one-line "Medical disclaimer" button (aria-expanded): open on
 * the start screen, closed once a question is sent, so an urgent reply's call button fits on a
 * 360x640 screen. Every reply carries the one-line reminder in both layouts.
 */
(function (C) {
  "use strict";

  var el = C.el;
  var MAX_MESSAGES = 60;
  var SHORT_DISCLAIMER = "General information, not medical advice.";

  function same(a, b) {
    var norm = function (t) { return String(t || "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim(); };
    return norm(a) === norm(b);
  }

  function loadState(key) {
    try {
      var raw = window.sessionStorage.getItem(key);
      var state = raw ? JSON.parse(raw) : null;
      if (state && Array.isArray(state.messages)) return state;
    } catch (ignored) {
      /* storage disabled or corrupt: start afresh */
    }
    return null;
  }

  function saveState(key, state) {
    try {
      window.sessionStorage.setItem(key, JSON.stringify(state));
    } catch (ignored) {
      /* storage full or disabled: the conversation just won't survive a reload */
    }
  }

  function removeState(key) {
    try {
      window.sessionStorage.removeItem(key);
    } catch (ignored) {
      /* nothing to remove */
    }
  }

  function mountChat(container, options) {
    options = options || {};
    var api = options.api || new C.Api("");
    var storageKey = options.storageKey || "clinic-chat:v1";
    var state = loadState(storageKey) || {
      messages: [], context: null, disclaimer: null, notice: null, suggestions: null
    };
    var pending = null; // {message, controller}
    var failed = null; // the message to retry
    var idPrefix = C.uniqueId("cc");

    var titleId = idPrefix + "-title";
    var inputId = idPrefix + "-input";
    var hintId = idPrefix + "-hint";

    var heading = el("h2", { class: "cc-title", id: titleId, text: options.title || "Ask a question" });
    var clearButton = el("button", { type: "button", class: "cc-button cc-button--quiet", data: { action: "clear" } }, "New conversation");
    var notice = el("p", { class: "cc-notice", data: { notice: "" } });
    var log = el("ol", { class: "cc-log", "aria-label": "Conversation", tabindex: "0", data: { log: "" } });
    var empty = el("p", { class: "cc-empty", data: { empty: "" } },
      "Ask a question in your own words. " +
      "Answers quote the clinic's documents and show where each quote comes from.");
    var live = el("div", { class: "cc-offscreen", "aria-live": "polite", "aria-atomic": "true", data: { live: "" } });
    var status = el("div", { class: "cc-status", role: "status", data: { loading: "" }, hidden: true }, [
      el("span", { class: "cc-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { text: "Looking in the clinic's documents\u2026" })
    ]);
    var errorText = el("p", { class: "cc-error-text" });
    var retryButton = el("button", { type: "button", class: "cc-button", data: { action: "retry" } }, "Try again");
    var errorBox = el("div", { class: "cc-error", role: "alert", data: { error: "" }, hidden: true }, [errorText, retryButton]);
    var suggestionsTitle = el("h3", { class: "cc-suggestions-title", id: idPrefix + "-sugg", text: "You could ask" });
    var suggestionsList = el("ul", { class: "cc-suggestions-list", "aria-labelledby": suggestionsTitle.id });
    var suggestions = el("div", { class: "cc-suggestions", data: { suggestions: "" } }, [suggestionsTitle, suggestionsList]);
    var input = el("textarea", {
      id: inputId,
      class: "cc-input",
      rows: "2",
      maxlength: "1000",
      autocomplete: "off",
      "aria-describedby": hintId,
      data: { input: "" }
    });
    var sendButton = el("button", { type: "submit", class: "cc-button cc-send", data: { action: "send" } }, "Send");
    if (options.compact) input.setAttribute("placeholder", "Type your question");
    var form = el("form", { class: "cc-form", "aria-labelledby": titleId, novalidate: true }, [
      el("label", { for: inputId, class: "cc-label" + (options.compact ? " cc-offscreen" : ""), text: "Your question" }),
      el("div", { class: "cc-form-row" }, [input, sendButton]),
      el("p", { id: hintId, class: "cc-hint", text: "Press Enter to send, Shift+Enter for a new line. Please do not type personal details." })
    ]);
    var disclaimer = el("p", { class: "cc-disclaimer cc-disclaimer--page", id: idPrefix + "-disclaimer", data: { "page-disclaimer": "" } });
    // in the widget a long disclaimer scrolls in its own box: reachable by keyboard too
    if (options.compact) disclaimer.setAttribute("tabindex", "0");
    // the widget: the full disclaimer pinned under the question box, one line until it is opened
    var disclaimerToggle = el("button", {
      type: "button",
      class: "cc-disclaimer-toggle",
      "aria-expanded": "false",
      "aria-controls": disclaimer.id,
      data: { action: "disclaimer" }
    }, [el("span", { class: "cc-disclaimer-arrow", "aria-hidden": "true" }), "Medical disclaimer"]);

    var root = options.compact ?
      el("section", { class: "cc-chat cc-chat--compact", "aria-labelledby": titleId, data: { chat: "" } }, [
        el("div", { class: "cc-toolbar" }, [heading, clearButton]),
        el("div", { class: "cc-scroll", data: { scroll: "" } }, [notice, empty, log, status, errorBox, suggestions]),
        form,
        el("div", { class: "cc-disclaimer-pin", data: { "disclaimer-pin": "" } }, [disclaimerToggle, disclaimer]),
        live
      ]) :
      el("section", { class: "cc-chat", "aria-labelledby": titleId, data: { chat: "" } }, [
        el("div", { class: "cc-toolbar" }, [heading, clearButton]),
        notice,
        el("div", { class: "cc-scroll", data: { scroll: "" } }, [empty, log, status, errorBox, suggestions]),
        form,
        disclaimer,
        live
      ]);
    C.clear(container);
    container.appendChild(root);
    var viewer = new C.DocumentViewer(api, options.viewerRoot || container);
    var scroller = root.querySelector("[data-scroll]");

    function setChrome() {
      C.clear(notice);
      C.append(notice, C.linkify(state.notice || options.notice ||
        "You are chatting with an automated assistant that quotes the clinic's documents; it is not a doctor. " +
        "To talk to a person, contact the clinic directly."));
      disclaimer.textContent = state.disclaimer || options.disclaimer || C.DEFAULT_DISCLAIMER;
      empty.hidden = state.messages.length > 0;
      if (state.messages.length) root.setAttribute("data-has-messages", "");
      else root.removeAttribute("data-has-messages");
      clearButton.hidden = state.messages.length === 0;
    }

    function showFullDisclaimer(open) {
      if (!options.compact) return;
      disclaimerToggle.setAttribute("aria-expanded", open ? "true" : "false");
      disclaimer.hidden = !open;
    }
    disclaimerToggle.addEventListener("click", function () {
      showFullDisclaimer(disclaimerToggle.getAttribute("aria-expanded") !== "true");
    });

    function lastQuestion() {
      for (var i = state.messages.length - 1; i >= 0; i -= 1) {
        if (state.messages[i].role === "user") return state.messages[i].text;
      }
      return "";
    }

    function showSuggestions(list) {
      C.clear(suggestionsList);
      var asked = lastQuestion();
      (list || []).filter(function (text) { return !same(text, asked); }).slice(0, 6).forEach(function (text) {
        var button = el("button", { type: "button", class: "cc-chip", data: { suggestion: "" } }, text);
        button.addEventListener("click", function (event) {
          send(text);
          // the button is about to go: keep the focus in the conversation (Enter on a suggestion
          // left it on <body>). A touch screen gets the log, so no keyboard slides over the reply.
          var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
          if (event.detail === 0 || !coarse) input.focus({ preventScroll: true });
          else log.focus({ preventScroll: true });
        });
        suggestionsList.appendChild(el("li", null, button));
      });
      suggestions.hidden = !suggestionsList.firstChild;
    }

    function scrollToEnd(node, top) {
      var behavior = C.reducedMotion() ? "auto" : "smooth";
      // a reply is shown from its top (an urgent reply's call button is there); the rest from the end
      if (node && node.scrollIntoView) node.scrollIntoView({ block: top ? "start" : "nearest", behavior: behavior });
      if (scroller.scrollHeight > scroller.clientHeight + 4) {
        scroller.scrollTo({ top: node ? node.offsetTop - 8 : scroller.scrollHeight, behavior: behavior });
      }
    }

    function userMessage(text) {
      return el("li", { class: "cc-msg cc-msg--user", data: { role: "user" } }, [
        el("p", { class: "cc-who", text: "You" }),
        el("p", { class: "cc-user-text", text: text })
      ]);
    }

    function openSource(reply, number, trigger) {
      var passage = (reply.passages || [])[number - 1];
      if (!passage) return;
      var citation = passage.citation || {};
      viewer.open(citation.document_id, {
        passageId: citation.passage_id || passage.id,
        title: citation.document,
        returnFocus: trigger
      });
    }

    function botMessage(reply) {
      var type = reply.type || "answer";
      var item = el("li", { class: "cc-msg cc-msg--bot cc-msg--" + type, data: { role: "bot", type: type } });
      if (type === "urgent") {
        item.appendChild(el("p", { class: "cc-urgent-banner" }, [
          el("span", { class: "cc-urgent-icon", "aria-hidden": "true", text: "\u26A0" }),
          el("strong", { text: "Urgent: this may be an emergency" })
        ]));
        // the call button straight under the banner: on a phone it is on screen without scrolling
        var actions = el("p", { class: "cc-urgent-actions" });
        if (reply.emergency_number) {
          actions.appendChild(C.telLink(reply.emergency_number, "Call " + reply.emergency_number + " now", "cc-tel cc-tel--emergency"));
        }
        if (reply.crisis_line) {
          actions.appendChild(C.telLink(reply.crisis_line, "Crisis line: " + reply.crisis_line, "cc-tel cc-tel--crisis"));
        }
        if (actions.firstChild) item.appendChild(actions);
      } else {
        item.appendChild(el("p", { class: "cc-who", text: "Clinic assistant" }));
      }
      (reply.corrections || []).forEach(function (c) {
        item.appendChild(el("p", { class: "cc-correction", text: "Searched for \u201c" + c.to + "\u201d instead of \u201c" + c.from + "\u201d." }));
      });
      item.appendChild(C.renderReplyText(reply.reply, (reply.passages || []).length ? function (number, event) {
        openSource(reply, number, event && event.currentTarget);
      } : null, [reply.emergency_number, reply.crisis_line]));
      // a question about the visitor's own case: the reply itself says the clinic must advise
      if (reply.personal_advice) item.classList.add("cc-msg--personal");
      var passages = reply.passages || [];
      if (passages.length) {
        var sourcesId = C.uniqueId("cc-sources");
        var list = el("ol", { class: "cc-sources", "aria-labelledby": sourcesId });
        passages.forEach(function (passage, index) {
          var citation = passage.citation || {};
          var number = index + 1;
          var button = el("button", {
            type: "button",
            class: "cc-source-link",
            data: { source: number, "passage-id": citation.passage_id || passage.id }
          }, [
            el("span", { class: "cc-source-label", text: citation.label || "[" + number + "]" }),
            " ",
            el("span", { class: "cc-source-where", text: C.citationWhere(citation) })
          ]);
          button.addEventListener("click", function () { openSource(reply, number, button); });
          list.appendChild(el("li", { class: "cc-source" }, [
            button,
            el("p", { class: "cc-source-quote", text: C.excerpt(passage.text) })
          ]));
        });
        item.appendChild(el("h3", { class: "cc-sources-title", id: sourcesId, text: "Sources (open to read in context)" }));
        item.appendChild(list);
      }
      // the full disclaimer is shown once, pinned; each reply carries a one-line reminder
      item.appendChild(el("p", { class: "cc-disclaimer cc-disclaimer--short", data: { disclaimer: "" }, text: SHORT_DISCLAIMER }));
      return item;
    }

    function render() {
      C.clear(log);
      state.messages.forEach(function (message) {
        log.appendChild(message.role === "user" ? userMessage(message.text) : botMessage(message.reply));
      });
      setChrome();
      showFullDisclaimer(state.messages.length === 0); // in full on the start screen
      var last = state.messages[state.messages.length - 1];
      showSuggestions(last && last.reply ? last.reply.suggestions : (state.suggestions || options.suggestions || C.DEFAULT_SUGGESTIONS));
    }

    function announce(text) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);
    }

    function setLoading(on) {
      status.hidden = !on;
      root.setAttribute("aria-busy", on ? "true" : "false");
      sendButton.disabled = on;
    }

    function showError(error, message) {
      failed = message;
      errorText.textContent = C.friendlyError(error);
      errorBox.hidden = false;
      errorBox.setAttribute("data-kind", error && error.kind ? error.kind : "page");
      // a request error (400) cannot succeed unchanged: offer editing instead of a retry
      retryButton.hidden = !!(error && error.kind === "request");
      if (error && error.kind === "request") input.value = message;
      scrollToEnd(errorBox);
    }

    function send(text, isRetry) {
      text = String(text || "").trim();
      if (!text || pending) return;
      errorBox.hidden = true;
      showFullDisclaimer(false); // the conversation needs the room (an urgent reply's call button)
      if (!isRetry) {
        state.messages.push({ role: "user", text: text });
        var node = userMessage(text);
        log.appendChild(node);
        setChrome();
        saveState(storageKey, state);
      }
      suggestions.hidden = true;
      var controller = window.AbortController ? new AbortController() : null;
      pending = { message: text, controller: controller };
      setLoading(true);
      scrollToEnd(status);
      api.chat(text, state.context, controller ? controller.signal : undefined).then(function (reply) {
        pending = null;
        failed = null;
        setLoading(false);
        state.context = reply.context === undefined ? null : reply.context;
        if (reply.disclaimer) state.disclaimer = reply.disclaimer;
        if (reply.notice) state.notice = reply.notice;
        if (reply.suggestions && reply.suggestions.length) state.suggestions = reply.suggestions;
        state.messages.push({ role: "bot", reply: reply });
        while (state.messages.length > MAX_MESSAGES) state.messages.shift();
        saveState(storageKey, state);
        var item = botMessage(reply);
        log.appendChild(item);
        setChrome();
        showSuggestions(reply.suggestions);
        var count = (reply.passages || []).length;
        var lead = { urgent: "Urgent. ", answer: "Answer. " }[reply.type] || ""; // a decline speaks for itself
        announce(lead + reply.reply + (count ? " " + count + (count === 1 ? " source." : " sources.") : ""));
        scrollToEnd(item, true);
      }, function (error) {
        pending = null;
        setLoading(false);
        if (error && error.name === "AbortError") return;
        showError(error, text);
        announce(C.friendlyError(error));
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) {
        input.focus();
        return;
      }
      input.value = "";
      send(text);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : sendButton.click();
      }
    });
    retryButton.addEventListener("click", function () {
      if (failed) send(failed, true);
    });
    clearButton.addEventListener("click", function () {
      if (pending && pending.controller) pending.controller.abort();
      pending = null;
      setLoading(false);
      errorBox.hidden = true;
      state = { messages: [], context: null, disclaimer: state.disclaimer, notice: state.notice, suggestions: state.suggestions };
      removeState(storageKey);
      render();
      announce("The conversation was cleared.");
      input.focus();
    });

    render();
    return {
      root: root,
      input: input,
      clearButton: clearButton,
      send: send,
      viewer: viewer,
      focus: function () { input.focus(); }
    };
  }

  C.mountChat = mountChat;
})(ClinicChat);
