// Initialises GOV.UK Frontend's components, and again inside any region htmx swaps in
// (e.g. the chronology results), so those components behave the same after a swap.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

document.body.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail && event.detail.elt;
  if (target instanceof Element) {
    initAll({ scope: target });
  }
});
