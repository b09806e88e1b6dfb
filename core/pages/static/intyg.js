// Intyg's one script: progressive enhancement only; every page works without it.
//
// <div data-poll="/path/fragment" data-interval="2">…</div> is refreshed from the fragment
// URL (same origin, HTML) until the fragment carries data-final; a screen reader hears the
// change when the element is a live region (role="status").
"use strict";

function poll(element) {
  const url = element.getAttribute("data-poll");
  const seconds = Number(element.getAttribute("data-interval") || "2");
  const tick = async () => {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (response.redirected) {
        // the session ended (the fragment sent us to sign-in): reload the whole page, which
        // goes to the sign-in page and comes back here afterwards
        window.location.reload();
        return;
      }
      if (response.status >= 400 && response.status < 500) {
        return; // the answer will not come this way (gone, or refused): stop asking
      }
      if (response.ok) {
        const html = await response.text();
        const fresh = document.createElement("div");
        fresh.innerHTML = html;
        element.replaceChildren(...fresh.childNodes);
        if (element.querySelector("[data-final]")) {
          element.dispatchEvent(new CustomEvent("intyg:final", { bubbles: true }));
          return;
        }
      }
    } catch (_network) {
      // offline for a moment: try again at the next tick
    }
    window.setTimeout(tick, seconds * 1000);
  };
  if (!element.querySelector("[data-final]")) {
    window.setTimeout(tick, seconds * 1000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-poll]").forEach(poll);
  // The "refresh" links are for readers without script; with it, polling does the work.
  document.querySelectorAll("[data-poll-fallback]").forEach((link) => link.remove());
});

// <form data-fragment-form="name"> is sent with the value of that parameter of the page's
// URL fragment (e.g. #response_code=…, which a wallet brings back): the fragment never reaches
// a server, so the page hands it over — once, and removes it from the address.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-fragment-form]").forEach((form) => {
    const name = form.getAttribute("data-fragment-form");
    const value = new URLSearchParams(window.location.hash.slice(1)).get(name);
    const field = form.querySelector(`input[name="${name}"]`);
    if (!value || !field) {
      return;
    }
    field.value = value;
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    form.submit();
  });
});
