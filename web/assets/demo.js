/* The widget demo page (/widget-demo): a button that copies the embed tag. */
(function (C) {
  "use strict";
  var button = document.querySelector("[data-action=copy-snippet]");
  var code = document.querySelector("[data-snippet]");
  var done = document.querySelector("[data-copied]");
  if (!button || !code) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    C.copyText(code.textContent, document.body).then(function (ok) {
      done.textContent = ok ? "Copied." : "Could not copy; select the tag and press Ctrl+C.";
    });
  });
})(ClinicChat);
