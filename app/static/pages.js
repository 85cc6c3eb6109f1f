// The small behaviour of the register pages: a print button (no inline handlers: the CSP
// allows scripts from this site only).
"use strict";
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
