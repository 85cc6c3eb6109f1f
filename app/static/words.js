/*
 * ketenkaart: the page's words in its language (issue 15, ADR 36), for graph.js and
 * forecast.js, which load after it. The server sends the translations of their English texts
 * in the data block #graph-words (graph_words in app/views/graph.py); English needs none.
 * t(text, values) gives the translation of text with its {placeholders} filled; what it gives
 * still goes into the page as text, never as HTML.
 */
(function () {
  "use strict";

  const source = document.getElementById("graph-words");
  const words = source ? JSON.parse(source.textContent) : {};
  const texts = words.texts || {};
  function t(text, values) {
    let out = Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text;
    for (const key of Object.keys(values || {})) {
      out = out.split("{" + key + "}").join(String(values[key]));
    }
    return out;
  }
  // A date or an id in a text stays on one line: a browser breaks a line after a hyphen, which
  // split "2026-12-" from "06" in a narrow column (app/views/pages.py, unbroken). The text's
  // parts, each a string or a <span class="whole"> holding one such word as text.
  const HYPHENATED = /(?<![\p{L}\p{N}_-])[\p{L}\p{N}_]+(?:-[\p{L}\p{N}_]+)+(?![\p{L}\p{N}_-])/gu;
  function unbroken(value) {
    const text = String(value);
    const out = [];
    let last = 0;
    for (const found of text.matchAll(HYPHENATED)) {
      if (found[0].length > 40) {
        continue; // a longer one may break, rather than run out of its column
      }
      const word = document.createElement("span");
      word.className = "whole";
      word.textContent = found[0];
      out.push(text.slice(last, found.index), word);
      last = found.index + found[0].length;
    }
    out.push(text.slice(last));
    return out.filter((part) => part !== "");
  }
  window.ketenkaartWords = Object.freeze({ words: words, t: t, unbroken: unbroken });
})();
