// Loaded as the first thing in <body> (a file, not an inline script, so a strict
// Content-Security-Policy allows it): tells GOV.UK Frontend's CSS that JavaScript runs and
// whether the browser supports ES modules (the govuk-frontend-supported class).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
