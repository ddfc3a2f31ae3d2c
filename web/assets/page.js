/* The chat page (/): mounts the conversation. */
(function (C) {
  "use strict";
  var mount = document.querySelector("[data-chat-root]");
  if (!mount) return;
  var read = function (name) {
    try {
      return JSON.parse(mount.getAttribute("data-profile-" + name) || "null");
    } catch (ignored) {
      return null;
    }
  };
  var chat = C.mountChat(mount, {
    suggestions: read("suggestions"),
    disclaimer: read("disclaimer"),
    notice: read("notice"),
    api: new C.Api(""),
    storageKey: "clinic-chat:v1",
    title: mount.getAttribute("data-title") || undefined,
    viewerRoot: document.body
  });
  if (window.location.hash === "#ask") chat.focus();
})(ClinicChat);
