// A refused change answers 4xx with its fragment and the reason: show it (htmx swaps only 2xx).
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status >= 400 && status < 500 && event.detail.xhr.getResponseHeader("content-type").indexOf("text/html") === 0) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A button with data-ask-reason asks for a reason before its request and sends it as the form
// field "reason" (not htmx's hx-prompt: its HX-Prompt header cannot carry Chinese text).
document.addEventListener("htmx:configRequest", function (event) {
  var question = event.detail.elt.getAttribute && event.detail.elt.getAttribute("data-ask-reason");
  if (!question) return;
  var reason = window.prompt(question);
  if (reason === null) {
    event.preventDefault();  // cancelled: no request
    return;
  }
  event.detail.parameters["reason"] = reason;
});
