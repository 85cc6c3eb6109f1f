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
  window.ketenkaartWords = Object.freeze({ words: words, t: t });
})();
