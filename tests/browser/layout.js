/*
 * Where the page's boxes stand, for tests/browser/test_languages.py: the language switch in
 * the header (beside the header's other items, never over them, on one line, inside the header
 * and the window, the language in use in bold and aria-current) and, on the whole page, a
 * control, heading or table wider than what holds it, a button or a control's label broken
 * over lines, text cut off, a page wider than the window. Returns one sentence per problem.
 */
() => {
  const problems = [];
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${id}${cls} "${text.slice(0, 40).replace(/\s+/g, " ")}"`;
  };
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === "none" || cs.visibility === "hidden") return false;
      if (cs.position === "absolute" || cs.position === "fixed") return false; // placed on purpose
      if (e.tagName === "DETAILS" && !e.open && e !== el && !el.closest("summary")) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  // Text cut down to a pixel for screen readers only (.visually-hidden): not seen.
  const unseen = (node, el) => {
    for (let e = node.parentElement; e && e !== el.parentElement; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;
    }
    return false;
  };
  // The lines an element's seen text takes: its text's boxes, those side by side counted once.
  const lines = (el) => {
    const rects = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      if (!node.textContent.trim() || unseen(node, el)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      rects.push(...[...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0));
    }
    rects.sort((a, b) => a.top - b.top);
    let count = 0;
    let bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 2) count += 1;
      bottom = Math.max(bottom, r.bottom);
    }
    return count;
  };
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

  // The switch in the header.
  const header = document.querySelector("header.top");
  const sw = header && header.querySelector(".language-switch");
  if (!sw) {
    problems.push("no language switch in the header");
  } else {
    const s = sw.getBoundingClientRect();
    const h = header.getBoundingClientRect();
    for (const other of header.children) {
      if (other === sw || !shown(other)) continue;
      if (overlap(s, other.getBoundingClientRect())) problems.push(`the switch overlaps ${name(other)}`);
      for (const item of other.querySelectorAll("a, button")) {
        if (shown(item) && overlap(s, item.getBoundingClientRect())) problems.push(`the switch overlaps ${name(item)}`);
      }
    }
    if (s.left < h.left - 0.5 || s.right > h.right + 0.5 || s.top < h.top - 0.5 || s.bottom > h.bottom + 0.5) {
      problems.push("the switch sticks out of the header");
    }
    if (s.right > window.innerWidth) problems.push("the switch runs past the window's right edge");
    if (lines(sw) > 1) problems.push("the switch is broken over lines");
    const links = [...sw.querySelectorAll("a")];
    const current = links.filter((a) => a.getAttribute("aria-current") === "true");
    if (current.length !== 1) problems.push(`${current.length} links of the switch are marked current`);
    for (const a of links) {
      const bold = Number(getComputedStyle(a).fontWeight) >= 600;
      const here = a.getAttribute("aria-current") === "true";
      if (bold !== here) problems.push(`${name(a)} is ${bold ? "" : "not "}bold, ${here ? "" : "not "}the language in use`);
    }
    const bottoms = [...header.children].filter(shown).map((c) => c.getBoundingClientRect());
    const row = bottoms.every((b) => b.top < bottoms[0].bottom && bottoms[0].top < b.bottom);
    if (!row) problems.push("the header's items do not stand on one row");
  }

  // The page: nothing wider than the window, than its container, or broken over lines.
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page is ${root.scrollWidth}px wide in a window of ${window.innerWidth}px`);
  }
  const boxes = "button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, label, legend, summary, th, table, fieldset, form, h1, h2, h3, .status-word, nav a";
  for (const el of document.querySelectorAll(boxes)) {
    if (!shown(el) || el.closest("header.top, .graph-canvas, .vis-network")) continue;
    const r = el.getBoundingClientRect();
    let holder = el.parentElement;
    while (holder && getComputedStyle(holder).display === "contents") holder = holder.parentElement;
    if (holder && holder !== document.body) {
      const p = holder.getBoundingClientRect();
      const cs = getComputedStyle(holder);
      const scrolls = /auto|scroll/.test(cs.overflowX);
      if (!scrolls && (r.right > p.right + 1 || r.left < p.left - 1)) {
        problems.push(`${name(el)} is ${Math.round(r.width)}px wide, past ${name(holder)} (${Math.round(p.left)}-${Math.round(p.right)})`);
      }
    }
    if (r.right > window.innerWidth + 1) problems.push(`${name(el)} runs past the window's right edge`);
    const cs = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && !/auto|scroll/.test(cs.overflowX) && !["TABLE", "FORM", "FIELDSET", "LABEL"].includes(el.tagName)) {
      problems.push(`the text of ${name(el)} does not fit in it (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
    if ((el.tagName === "BUTTON" || el.tagName === "SUMMARY" || (el.tagName === "A" && el.closest("nav"))) && lines(el) > 1) {
      problems.push(`${name(el)} is broken over ${lines(el)} lines`);
    }
  }
  // A row of labelled fields (the report's date, period and profile): the labels' words on
  // one line, whichever control stands under them.
  for (const form of document.querySelectorAll("form")) {
    if (!shown(form) || getComputedStyle(form).display !== "flex") continue;
    const labels = [...form.children].filter((c) => c.tagName === "LABEL" && shown(c) && getComputedStyle(c).display === "grid");
    for (const a of labels) {
      for (const b of labels) {
        const ra = a.getBoundingClientRect();
        const rb = b.getBoundingClientRect();
        if (a === b || ra.top >= rb.bottom || rb.top >= ra.bottom) continue; // not on one row
        const top = (label) => {
          const walk = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
          for (let node = walk.nextNode(); node; node = walk.nextNode()) {
            if (!node.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            return range.getBoundingClientRect().top;
          }
          return label.getBoundingClientRect().top;
        };
        if (Math.abs(top(a) - top(b)) > 2 && top(a) < top(b)) {
          problems.push(`the words of ${name(b)} stand ${Math.round(top(b) - top(a))}px lower than those of ${name(a)} beside it`);
        }
      }
    }
  }
  return problems;
}
