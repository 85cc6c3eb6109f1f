/*
 * Every visible text node (and every text field's value or placeholder) against the colour
 * behind it, for tests/browser/sight.py: the element's background composited over its
 * ancestors' down to an opaque one (or the white page), the text's colour composited over that,
 * WCAG 2.1 relative luminance. Disabled controls are exempt (WCAG 1.4.3); text clipped away
 * (the skip link until it has the focus) is not seen, so not checked. Returns the failures.
 */
(limits) => {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a: a };
  };
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const seen = (el, rects) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.visibility === "hidden" || cs.display === "none" || Number(cs.opacity) === 0) return false;
    }
    return Array.from(rects).some((r) => r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0 &&
      r.left < document.documentElement.scrollWidth);
  };
  const failures = [];
  const check = (el, text, colour, rects) => {
    if (el.closest("[disabled], script, style, noscript, template, option") || !seen(el, rects)) return;
    const cs = getComputedStyle(el);
    const bg = behind(el);
    const fg = over(parse(colour) || { r: 0, g: 0, b: 0, a: 1 }, bg);
    const size = parseFloat(cs.fontSize);
    const bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? limits.large : limits.normal;
    const r = ratio(fg, bg);
    if (r < need) {
      const rgb = (c) => "rgb(" + [c.r, c.g, c.b].map(Math.round).join(", ") + ")";
      failures.push({ text: text.trim().slice(0, 60), ratio: Math.round(r * 100) / 100, need: need,
        colour: rgb(fg), background: rgb(bg), element: el.tagName.toLowerCase() +
        (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") });
    }
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || !node.parentElement) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    check(node.parentElement, node.textContent, getComputedStyle(node.parentElement).color, range.getClientRects());
  }
  for (const el of document.querySelectorAll("input, textarea, select")) {
    const type = (el.getAttribute("type") || "text").toLowerCase();
    if (["checkbox", "radio", "hidden", "file", "submit", "button", "color", "range"].includes(type)) continue;
    const rects = el.getClientRects();
    if (el.value) {
      check(el, el.tagName === "SELECT" ? el.selectedOptions[0]?.text || el.value : el.value, getComputedStyle(el).color, rects);
    } else if (el.placeholder) {
      check(el, "placeholder: " + el.placeholder, getComputedStyle(el, "::placeholder").color, rects);
    }
  }
  return failures;
}
