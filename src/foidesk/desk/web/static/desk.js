// The desk's script for every page (base.html): a request htmx made that the desk refused,
// or that could not reach it, says so in the page's alert region (#flash) instead of doing
// nothing. The desk answers such a request with its one line (pages.refusal_page).
(function () {
  "use strict";
  function say(text) {
    var flash = document.getElementById("flash");
    if (flash) flash.textContent = text;
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var text = xhr && xhr.responseText ? xhr.responseText : "";
    var line = new DOMParser().parseFromString(text, "text/html").querySelector(".error");
    say(line && line.textContent.trim()
      ? line.textContent.trim()
      : "The desk refused the request (" + (xhr ? xhr.status : "?") + "): reload the page.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    say("The desk could not be reached: check the connection, then try again.");
  });
  // a request that worked clears an earlier refusal's line
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) {
      var flash = document.getElementById("flash");
      if (flash && flash.textContent && !(event.detail.target && event.detail.target.id === "flash")) {
        flash.textContent = "";
      }
    }
  });
})();
