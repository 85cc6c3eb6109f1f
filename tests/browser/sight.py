"""What a person sees on a page, measured in the browser: text contrast, an axe-core scan, the
graph's labels as vis-network drew them, and what is above the fold.

Each ``*_problems`` function returns a list of sentences, empty when all is well, so a test can
assert ``== []`` and read in the failure what a person would have noticed; ``assert_*`` wrap them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

AA_NORMAL = 4.5  # WCAG 2.1 AA, 1.4.3: text
AA_LARGE = 3.0  # large text: 24 px, or 18.66 px bold

CONTRAST_JS = (Path(__file__).with_name("contrast.js")).read_text(encoding="utf-8")
"""The contrast check run in the page (see the file's comment)."""


def contrast_problems(page: Any) -> list[str]:
    """Every text on the page whose contrast with what is behind it is below WCAG 2.1 AA."""
    found = page.evaluate(CONTRAST_JS, {"normal": AA_NORMAL, "large": AA_LARGE})
    return [
        f"{f['text']!r} in {f['element']}: {f['colour']} on {f['background']}, "
        f"contrast {f['ratio']} < {f['need']}"
        for f in found
    ]


def axe_problems(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """The axe-core violations of the given impacts, one sentence per rule and element."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - a dev dependency

    response = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(map(str, node['target']))}"
        f": {node.get('failureSummary', '')!s}".replace("\n", " ")
        for v in response["violations"]
        if v.get("impact") in impacts
        for node in v["nodes"]
    ]


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def label_problems(
    page: Any, *, min_px: float = 12.0, near: float = 4.0, whole: bool = True, lines: bool = True
) -> list[str]:
    """The graph's labels as drawn (``window.ketenkaart.geometry()``): node labels at least
    ``min_px`` on screen, no two services (shape and label) overlapping; every edge label within
    ``near`` pixels of its own edge, off every node's label; with ``whole``, every label box
    inside the canvas; with ``lines``, no line through a node's label but its own ends'."""
    g = page.evaluate("window.ketenkaart.geometry()")
    problems = []
    inside = {"left": -0.5, "top": -0.5, "right": g["width"] + 0.5, "bottom": g["height"] + 0.5}

    def out(box: dict[str, float]) -> bool:
        return bool(
            box["left"] < inside["left"]
            or box["top"] < inside["top"]
            or box["right"] > inside["right"]
            or box["bottom"] > inside["bottom"]
        )

    # A node outside the view is not drawn, so its label box is stale: in a partial view only
    # what is in view counts (the whole view has every node in view, or says which is not).
    nodes = [n for n in g["nodes"] if whole or n["inView"]]
    edges = [e for e in g["edges"] if whole or not out(e["label"])]
    for node in nodes:
        if node["fontPx"] < min_px:
            problems.append(f"node {node['id']}: label {node['fontPx']:.1f} px < {min_px} px")
        if whole and out(node["label"]):
            problems.append(f"node {node['id']}: label outside the canvas ({node['label']})")
    for i, node in enumerate(nodes):
        problems.extend(
            f"node {node['id']}: overlaps node {other['id']}"
            for other in nodes[i + 1 :]
            if _overlap(node["box"], other["box"])
        )
    for edge in edges:
        name = f"edge {edge['from']} -> {edge['to']} ({edge['text']})"
        if edge["distance"] > near:
            problems.append(f"{name}: label {edge['distance']:.0f} px away from its edge")
        if whole and out(edge["label"]):
            problems.append(f"{name}: label outside the canvas ({edge['label']})")
        problems.extend(
            f"{name}: label over the label of node {node['id']}"
            for node in nodes
            if _overlap(edge["label"], node["label"])
        )
    if lines:
        problems.extend(
            f"edge {c['from']} -> {c['to']}: line through the label of node {c['node']}"
            for c in g["crossings"]
        )
    return problems


def fold_problems(page: Any, selectors: tuple[str, ...]) -> list[str]:
    """Those of ``selectors`` whose element does not end within the first screen."""
    height = page.viewport_size["height"]
    problems = []
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        if box is None:
            problems.append(f"{selector}: not shown")
        elif box["y"] + box["height"] > height:
            problems.append(
                f"{selector}: ends at {box['y'] + box['height']:.0f} px, below {height}"
            )
    return problems


BROKEN_WORDS_JS = """(selector) => {
  // each date (2026-12-06) and hyphenated id (dijk-iso27001-2025) in the element's text whose
  // letters lie on more than one line
  const broken = [];
  const pattern = /[\\p{L}\\p{N}_]+(?:-[\\p{L}\\p{N}_]+)+/gu;
  for (const root of document.querySelectorAll(selector)) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const found of node.textContent.matchAll(pattern)) {
        if (found[0].length > 40) continue;  // a longer one may break (app/views/pages.py)
        const range = document.createRange();
        range.setStart(node, found.index);
        range.setEnd(node, found.index + found[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) {
          const where = node.parentElement.closest("[id], [class]") || node.parentElement;
          const name = where.id ? "#" + where.id : "." + String(where.className).split(" ")[0];
          broken.push(found[0] + " in " + where.tagName.toLowerCase() + name);
        }
      }
    }
  }
  return broken;
}"""


def broken_words(page: Any, selector: str) -> list[str]:
    """The dates and ids in ``selector``'s text broken over two lines (at a hyphen), each as
    a person reads them: ``2026-12-`` on one line, ``06`` on the next; each with the element
    it is in (its nearest with an id or a class)."""
    found: list[str] = page.evaluate(BROKEN_WORDS_JS, selector)
    return found


STATUS_SELECTOR = re.compile(r"\.status-(?:gap|conditional|ok|out-of-scope)\b|\.status-word\b")
COLOURING = re.compile(r"(?:^|[;{\s])(?:color|background(?:-color)?)\s*:")


def status_colour_rules(css: str) -> list[str]:
    """The selectors in ``css`` that colour a status word's text or background.

    >>> status_colour_rules(".status-gap { background: red; } .swatch.status-ok { border: 0 }")
    ['.status-gap']
    """
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if not COLOURING.search(body):
            continue
        for one in selectors.split(","):
            selector = one.strip()
            if not STATUS_SELECTOR.search(selector):
                continue
            # A line sample, a border or a row keeps its own class: only the word's colours count.
            if re.search(r"\.(?:swatch|link-detail|group-[\w-]+)\b", selector):
                continue
            found.append(selector)
    return found


def status_rule_problems(static: Path) -> list[str]:
    """Status words are coloured in app.css only: any other style sheet doing so is a problem."""
    return [
        f"{path.name}: {selector!r} colours a status word; app.css alone does"
        for path in sorted(static.glob("*.css"))
        if path.name != "app.css"
        for selector in status_colour_rules(path.read_text(encoding="utf-8"))
    ]
