/* The embeddable widget. A clinic adds one tag to any page of its site:
 *
 *   <script src="https://clinic.example/widget.js" data-api="https://clinic.example"
 *           data-title="Ask us" data-color="#0b5fff" async></script>
 *
 * The server sends this file with core.js and chat.js in front of it, all inside one
 * function (see chatbot/api/pages.py), WIDGET_CSS holding chat.css and widget.css, and
 * WIDGET_SETTINGS the clinic profile's suggestions, disclaimer, notice and allowed_origins.
 * Everything lives in a shadow root: the host page's styles do not reach in and ours
 * do not leak out. The API is called across origins (CORS: the allowed_origins setting); on a
 * page whose origin is not allowed, the panel says the site is not set up and the console says why.
 */
(function (C, css, settings) {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    var scripts = document.querySelectorAll("script[src*='widget.js']");
    script = scripts[scripts.length - 1];
  }
  if (!script || document.querySelector("[data-clinic-chat-widget]")) return;

  var src = new URL(script.src, window.location.href);
  var apiBase = script.getAttribute("data-api") || src.origin;
  var title = script.getAttribute("data-title") || "Ask us";
  var color = script.getAttribute("data-color") || "";
  var position = script.getAttribute("data-position") === "left" ? "left" : "right";
  var OPEN_KEY = "clinic-chat-widget-open:" + apiBase;

  /** May this page call the API? Same origin always; another origin only when allowed_origins lists it. */
  function originAllowed() {
    var here = window.location.origin;
    var api;
    try {
      api = new URL(apiBase, window.location.href).origin;
    } catch (ignored) {
      return true;
    }
    if (api === here || !Array.isArray(settings.allowed_origins)) return true;
    return settings.allowed_origins.some(function (origin) {
      return origin === "*" || String(origin).replace(/\/+$/, "") === here;
    });
  }
  var allowed = originAllowed();
  if (!allowed && window.console && console.warn) {
    console.warn("Clinic chat widget: this page's origin " + window.location.origin + " is not in the allowed_origins " +
      "setting of the chatbot server at " + apiBase + ", so the server's replies would be refused by the browser. " +
      "Add " + window.location.origin + " to allowed_origins in the clinic profile (or CHATBOT_ALLOWED_ORIGINS) and restart the server.");
  }

  function luminance(rgb) {
    var channels = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** Apply the clinic's colour, keeping text on it and links in it readable (WCAG AA). */
  function applyColor(host, probeParent) {
    if (!color || !(window.CSS && CSS.supports && CSS.supports("color", color))) return;
    var probe = document.createElement("span");
    probe.style.color = color;
    probeParent.appendChild(probe);
    var match = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
    probeParent.removeChild(probe);
    if (!match) return;
    var rgb = [Number(match[1]), Number(match[2]), Number(match[3])];
    host.style.setProperty("--cc-accent", color);
    var onWhite = contrast(rgb, [255, 255, 255]);
    host.style.setProperty("--cc-accent-text", onWhite >= 4.5 ? "#ffffff" : "#111111");
    if (onWhite < 4.5) host.style.setProperty("--cc-link", "#1b1f24");
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  function remember(open) {
    try {
      if (open) window.sessionStorage.setItem(OPEN_KEY, "1");
      else window.sessionStorage.removeItem(OPEN_KEY);
    } catch (ignored) {
      /* storage disabled */
    }
  }

  function wasOpen() {
    try {
      return window.sessionStorage.getItem(OPEN_KEY) === "1";
    } catch (ignored) {
      return false;
    }
  }

  function start() {
    var host = document.createElement("div");
    host.setAttribute("data-clinic-chat-widget", "");
    host.setAttribute("data-position", position);
    var shadow = host.attachShadow({ mode: "open" });
    if (shadow.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      var style = document.createElement("style");
      style.textContent = css;
      shadow.appendChild(style);
    }
    document.body.appendChild(host);
    applyColor(host, shadow);

    var el = C.el;
    var panelId = C.uniqueId("cc-panel");
    var titleId = panelId + "-title";
    var launcher = el("button", {
      type: "button",
      class: "cc-launcher",
      "aria-expanded": "false",
      "aria-controls": panelId,
      data: { launcher: "" }
    }, [chatIcon(), el("span", { text: title })]);
    var closeButton = el("button", { type: "button", class: "cc-panel-close", "aria-label": "Close the chat", data: { action: "close-panel" } }, "\u2715");
    var body = el("div", { class: "cc-panel-body" });
    var panel = el("section", {
      id: panelId,
      class: "cc-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": titleId,
      hidden: true,
      data: { panel: "" }
    }, [
      el("div", { class: "cc-panel-header" }, [el("h2", { class: "cc-panel-title", id: titleId, text: title }), closeButton]),
      body
    ]);
    shadow.appendChild(panel);
    shadow.appendChild(launcher);

    var chat = null;
    var notSetUp = null;
    function open(restoring) {
      if (!allowed && !notSetUp) {
        notSetUp = el("div", { class: "cc-error cc-not-set-up", role: "alert", data: { error: "", kind: "origin" } }, [
          el("p", { class: "cc-error-text", text: C.friendlyError(new C.ApiError("origin", 0, "")) })
        ]);
        body.appendChild(notSetUp);
      } else if (allowed && !chat) {
        chat = C.mountChat(body, {
          api: new C.Api(apiBase),
          storageKey: "clinic-chat-widget:v1:" + apiBase,
          title: title,
          viewerRoot: shadow,
          compact: true,
          suggestions: settings.suggestions,
          disclaimer: settings.disclaimer,
          notice: settings.notice
        });
        chat.root.querySelector(".cc-title").classList.add("cc-offscreen");
        // "New conversation" in the panel's header: the conversation gets that row
        chat.clearButton.classList.add("cc-panel-clear");
        closeButton.parentNode.insertBefore(chat.clearButton, closeButton);
      }
      panel.hidden = false;
      host.setAttribute("data-open", "");
      launcher.setAttribute("aria-expanded", "true");
      remember(true);
      if (restoring !== true) {
        if (chat) chat.focus();
        else closeButton.focus();
      }
    }
    function close() {
      panel.hidden = true;
      host.removeAttribute("data-open");
      launcher.setAttribute("aria-expanded", "false");
      remember(false);
      launcher.focus();
    }
    launcher.addEventListener("click", function () {
      if (panel.hidden) open(false);
      else close();
    });
    closeButton.addEventListener("click", close);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.defaultPrevented) {
        event.preventDefault();
        close();
      }
    });
    if (wasOpen()) open(true);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})(ClinicChat, WIDGET_CSS, WIDGET_SETTINGS || {});
