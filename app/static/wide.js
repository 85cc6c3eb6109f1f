// A wide table sits in a box of its own (<div class="wide">) that scrolls sideways on a narrow
// screen, a phone or a tablet held upright, so that the page itself never does (app.css). While
// a box scrolls, the keyboard can reach it: it joins the tab order as a region named after the
// heading before it, and leaves it again when the window is wide enough. Each box is looked at
// when it appears and when it or its table changes size; the graph page makes its table after
// this script runs, so new boxes are looked for as the page changes.
"use strict";
(() => {
  const watched = new WeakSet();

  // The words that name a box: the nearest heading before it (it stays put while a table's
  // caption may count what a filter shows), else its table's caption, else the page's title.
  const nameOf = (box) => {
    for (let node = box; node && node !== document.body; node = node.parentElement) {
      for (let before = node.previousElementSibling; before; before = before.previousElementSibling) {
        const heading = /^H[1-6]$/.test(before.tagName) ? before : before.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading && heading.textContent.trim()) {
          return heading.textContent.trim();
        }
      }
    }
    const caption = box.querySelector("caption");
    return caption && caption.textContent.trim() ? caption.textContent.trim() : document.title;
  };

  const fit = (box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", nameOf(box));
    } else if (box.hasAttribute("tabindex") && document.activeElement !== box) {
      // (a box that has the focus keeps its place in the tab order until the focus moves on)
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  };

  const sizes = "ResizeObserver" in window
    ? new ResizeObserver((entries) => {
      entries.forEach((entry) => fit(entry.target.closest(".wide")));
    })
    : null;

  // New boxes only: a box already watched is looked at again when its size changes, so a page
  // that changes often (the graph's panel and table) costs a query per frame, no layout.
  const look = () => {
    document.querySelectorAll(".wide").forEach((box) => {
      if (watched.has(box)) {
        return;
      }
      watched.add(box);
      box.addEventListener("blur", () => fit(box)); // it may have stopped scrolling meanwhile
      if (sizes) {
        sizes.observe(box);
        if (box.firstElementChild) {
          sizes.observe(box.firstElementChild); // the table grows or shrinks with its rows
        }
      }
      fit(box);
    });
  };

  look();
  let pending = false; // many changes in one frame, one look
  new MutationObserver(() => {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(() => {
        pending = false;
        look();
      });
    }
  }).observe(document.body, { childList: true, subtree: true });
  if (!sizes) {
    window.addEventListener("resize", () => document.querySelectorAll(".wide").forEach(fit));
  }
})();
