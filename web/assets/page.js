/* The chat page (/): mounts the conversation. */
(function (C) {
  "use strict";
  var mount = document.querySelector("[data-chat-root]");
  if (!mount) return;
  var chat = C.mountChat(mount, {
    api: new C.Api(""),
    storageKey: "clinic-chat:v1",
    title: mount.getAttribute("data-title") || undefined,
    viewerRoot: document.body
  });
  if (window.location.hash === "#ask") chat.focus();
})(ClinicChat);
