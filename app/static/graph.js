/*
 * ketenkaart: the interactive graph of an offering.
 *
 * Reads the data block <script type="application/json" id="graph-data"> that app/views/graph.py
 * writes, and builds the controls, the vis-network graph, the side panel and the table of links
 * inside #graph-app. Every text that comes from the data reaches the page as text: through
 * textContent / Node.append of strings, vis-network's canvas labels, and its tooltips given as
 * strings (which vis-network 9 sets with innerText). Nothing here parses HTML, and nothing is
 * evaluated, so the page runs under a Content Security Policy without 'unsafe-inline' or
 * 'unsafe-eval'.
 *
 * window.ketenkaart is the hook tests and the benchmark use: ready / readyAt (ms since the
 * navigation started, taken in the first task after the frame that shows the first drawing),
 * network, the DataSets, domPosition(id), geometry() (the label boxes as drawn, in pixels of the
 * canvas element), and perf: one entry {kind, start, end, ms} per interaction handled (pan, zoom,
 * click, filter), from the event's time stamp until the first task after the next frame, each
 * also a performance.measure named "ketenkaart:KIND"; on a big graph, drawnEdges: how many links
 * the last frame drew.
 *
 * The first view is sized to the graph: the canvas gets the height the chain needs for node
 * labels of at least MIN_LABEL_PX on screen (up to LEGIBLE_SERVICES services); past that, or
 * when the chain is too deep for the width, it shows what fits at that size from the offering
 * on and says so. Edge labels stay on their edge and off the services: an edge whose label or
 * line would cross a service is bent (curved either way, more or less) until it does not, and
 * loses its label, which the table and tooltip still give, only when no bend clears it.
 */
(function () {
  "use strict";

  const hook = (window.ketenkaart = { ready: false, readyAt: null, perf: [] });
  const app = document.getElementById("graph-app");
  const source = document.getElementById("graph-data");
  if (!app || !source) {
    return;
  }
  const data = JSON.parse(source.textContent);
  hook.data = data;

  // The page's words in its language (issue 15, ADR 36): words.js reads them, t() translates.
  const WORDS = window.ketenkaartWords.words;
  const t = window.ketenkaartWords.t;
  const unbroken = window.ketenkaartWords.unbroken; // dates and ids kept on one line
  for (const s of data.statuses) {
    const w = (WORDS.statuses || {})[s.id];
    if (w) {
      s.label = w.label;
      s.meaning = w.meaning;
    }
  }
  for (const k of data.kinds) {
    const w = (WORDS.kinds || {})[k.id];
    if (w) {
      k.label = w;
    }
  }

  // The payload sends each fact once and leaves out what is empty (graph_payload in
  // app/views/graph.py): filled in here, so that the rest reads whole nodes and edges.
  const offeringIds = new Set(data.offerings);
  const supplierNames = new Map(Object.entries(data.suppliers || {}));
  const xGap = data.xGap || 250;
  for (const n of data.nodes) {
    n.x = n.level * xGap;
    n.supplier = n.supplier === undefined ? null : n.supplier;
    n.supplierName = n.supplier === null ? null : supplierNames.get(n.supplier) || null;
    n.locations = n.locations || [];
    n.parent = n.parent === undefined ? null : n.parent;
    n.offering = offeringIds.has(n.id);
  }
  data.edges.forEach((e, i) => {
    e.id = i;
    e.evidence = e.evidence === undefined ? null : e.evidence;
    e.role = e.role || null;
    e.critical = Boolean(e.critical);
    e.uncovered = e.uncovered || [];
    e.bridged = e.bridged || [];
    e.notes = e.notes || [];
  });

  const PAGE = 100; // table rows per page
  const PANEL_LINKS = 50; // links listed in the panel for one service
  const SEARCH_HITS = 20;
  const big = data.edges.length > 1500;
  const labelEdges = data.edges.length <= 300;
  const NODE_FONT = 14; // px at scale 1
  const EDGE_FONT = 13;
  const MIN_LABEL_PX = 12; // node label size on screen at the first drawing
  const MIN_SCALE = MIN_LABEL_PX / NODE_FONT;
  const MAX_SCALE = 1.0;
  const LEGIBLE_SERVICES = 50; // up to this many, the first view shows the whole chain legibly
  const CANVAS_PAD = 16; // px between the graph and the canvas's edge
  const MIN_CANVAS = 320; // px
  const SPREAD_GAP = 12; // px between two services of a column, at least
  const NODE_COLOR = {
    background: "#f6f8fa",
    border: "#57606a",
    highlight: { background: "#ddf4ff", border: "#0b5cad" },
    hover: { background: "#eaeef2", border: "#0b5cad" },
  };
  const OFFERING_COLOR = {
    background: "#ddf4ff",
    border: "#0b5cad",
    highlight: { background: "#b6e3ff", border: "#0b5cad" },
    hover: { background: "#b6e3ff", border: "#0b5cad" },
  };
  const PATH_BORDER = "#8250df";

  // ---- small DOM helpers: text only -------------------------------------------------------

  // A kind's sample, as the graph draws its nodes: the same outline, fill and border.
  const SAMPLES = {
    box: "M1.5 1.5h19v11h-19z",
    ellipse: "M6 1.5h10a5.5 5.5 0 0 1 0 11h-10a5.5 5.5 0 0 1 0-11z",
    database:
      "M1.5 4a9.5 2.5 0 0 1 19 0v6.5a9.5 2.5 0 0 1-19 0z M1.5 4a9.5 2.5 0 0 0 19 0",
    hexagon: "M6.5 1.5h9l4.5 5.5-4.5 5.5h-9l-4.5-5.5z",
    diamond: "M11 0.5l6.5 6.5-6.5 6.5-6.5-6.5z",
  };
  function shapeSample(shape) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "shape");
    svg.setAttribute("viewBox", "0 0 22 14");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", SAMPLES[shape] || SAMPLES.box);
    svg.appendChild(path);
    return svg;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === "text") {
        node.textContent = String(value);
      } else if (key === "class") {
        node.className = value;
      } else if (key.startsWith("on")) {
        node.addEventListener(key.slice(2), value);
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child); // a string becomes a text node
      }
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function push(map, key, value) {
    const list = map.get(key);
    if (list) {
      list.push(value);
    } else {
      map.set(key, [value]);
    }
  }

  // 12345 -> "12,345" (toLocaleString costs a thousand times more, and this runs per service).
  const SEPARATOR = WORDS.thousands || ",";
  function thousands(count) {
    return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, SEPARATOR);
  }
  function plural(count, word) {
    return t(count === 1 ? "{n} " + word : "{n} " + word + "s", { n: thousands(count) });
  }

  // ---- the performance hook ----------------------------------------------------------------

  // Each interaction's handling, from its event's time stamp until the first task after the
  // next frame (the frame that shows what the handling drew): window.ketenkaart.perf and
  // performance.measure("ketenkaart:" + kind). The last PERF_KEPT entries are kept.
  const PERF_KEPT = 2000;
  function afterNextFrame(callback) {
    requestAnimationFrame(() => setTimeout(callback, 0));
  }
  function measured(kind, start) {
    afterNextFrame(() => {
      const end = performance.now();
      try {
        performance.measure("ketenkaart:" + kind, { start: start, end: end });
      } catch (error) {
        // an old browser without measure options: the entry below still counts
      }
      hook.perf.push({ kind: kind, start: start, end: end, ms: end - start });
      if (hook.perf.length > PERF_KEPT) {
        hook.perf.splice(0, hook.perf.length - PERF_KEPT);
      }
    });
  }

  // ---- the data, indexed -------------------------------------------------------------------

  const nodesById = new Map(data.nodes.map((n) => [n.id, n]));
  const edgesById = new Map(data.edges.map((e) => [e.id, e]));
  const statusById = new Map(data.statuses.map((s) => [s.id, s]));
  const kindById = new Map(data.kinds.map((k) => [k.id, k]));
  const into = new Map();
  const outOf = new Map();
  const children = new Map();
  for (const e of data.edges) {
    push(into, e.to, e);
    push(outOf, e.from, e);
  }
  for (const n of data.nodes) {
    if (n.parent !== null) {
      push(children, n.parent, n.id);
    }
  }
  // Nodes come sorted by level, so a parent comes before its children.
  const below = new Map(data.nodes.map((n) => [n.id, 0]));
  for (let i = data.nodes.length - 1; i >= 0; i--) {
    const n = data.nodes[i];
    if (n.parent !== null && below.has(n.parent)) {
      below.set(n.parent, below.get(n.parent) + below.get(n.id) + 1);
    }
  }
  const maxLevel = data.nodes.reduce((m, n) => Math.max(m, n.level), 0);

  function nameOf(id) {
    const n = nodesById.get(id);
    return n ? n.name : id;
  }
  function supplierOf(n) {
    return n.supplierName || n.supplier || t("unknown supplier");
  }
  function kindLabel(kind) {
    const k = kindById.get(kind);
    return k ? k.label : kind;
  }
  function statusLabel(status) {
    const s = statusById.get(status);
    return s ? s.label : status;
  }
  function reasonText(index) {
    return data.reasons[index][1];
  }

  function nodeLabel(n, hidden) {
    let label = n.name + "\n" + supplierOf(n);
    if (hidden) {
      label += "\n" + t("[+{n} hidden below]", { n: hidden });
    }
    return big ? wrapped(label) : label;
  }

  // A big graph's labels are wrapped here, each distinct word measured once, rather than by
  // vis-network's widthConstraint, which measures every line again for each word it adds
  // (0.4 s of the first drawing at 20,000 links). Same font, same width, words kept whole but
  // for one wider than a line.
  const WRAP_PX = (data.labelWidth || 150) - 16; // the constraint less the box's margins
  const MARGIN_TOP = 6; // above a service's label, inside its shape
  const wordWidths = new Map();
  let measure = null;
  function widthOf(text) {
    let width = wordWidths.get(text);
    if (width === undefined) {
      width = measure.measureText(text).width;
      wordWidths.set(text, width);
    }
    return width;
  }
  function wrapLine(line) {
    const lines = [];
    const space = widthOf(" ");
    let current = "";
    let width = 0;
    for (const word of line.split(" ")) {
      if (!word) {
        continue;
      }
      const w = widthOf(word);
      if (current && width + space + w <= WRAP_PX) {
        current += " " + word;
        width += space + w;
        continue;
      }
      if (current) {
        lines.push(current);
      }
      current = "";
      for (const ch of w <= WRAP_PX ? [word] : Array.from(word)) {
        if (current && measure.measureText(current + ch).width > WRAP_PX) {
          lines.push(current);
          current = "";
        }
        current += ch;
      }
      width = widthOf(current);
    }
    lines.push(current);
    return lines.join("\n");
  }
  function wrapped(text) {
    if (measure === null) {
      measure = document.createElement("canvas").getContext("2d");
      measure.font = NODE_FONT + "px system-ui, sans-serif";
    }
    return text.split("\n").map(wrapLine).join("\n");
  }
  function nodeTitle(n) {
    let title = n.name + " (" + n.id + ")\n" + t("{kind} of {supplier}", { kind: kindLabel(n.kind), supplier: supplierOf(n) });
    if (n.locations.length) {
      title += "\n" + t("Locations: {list}", { list: n.locations.join(", ") });
    }
    const ins = into.get(n.id) || [];
    if (n.offering) {
      title += "\n" + t("The offering");
    } else if (ins.length === 1) {
      title += "\n" + t("Link: {status}", { status: statusLabel(ins[0].status) }) + " (" + ins[0].verdict + ")";
    } else {
      title += "\n" + t("{links} into this service", { links: plural(ins.length, "link") });
    }
    return title;
  }
  function edgeTitle(e) {
    const s = statusById.get(e.status);
    let title = nameOf(e.from) + " \u2192 " + nameOf(e.to) + "\n" + t("Status: {status}", { status: s.label }) + ": ";
    title += s.meaning + " (" + e.verdict + ")";
    if (e.reasons.length) {
      title += "\n" + reasonText(e.reasons[0]);
      if (e.reasons.length > 1) {
        title += "\n(and " + (e.reasons.length - 1) + " more in the panel)";
      }
    }
    return title;
  }

  // ---- the page's parts ----------------------------------------------------------------------

  const state = {
    status: new Set(data.statuses.map((s) => s.id)),
    kind: new Set(data.kinds.map((k) => k.id)),
    depth: Infinity,
    collapsed: new Set(),
    path: null,
    selected: null,
  };
  hook.state = state;

  const counts = new Map();
  for (const e of data.edges) {
    counts.set(e.status, (counts.get(e.status) || 0) + 1);
  }
  const kindCounts = new Map();
  for (const n of data.nodes) {
    kindCounts.set(n.kind, (kindCounts.get(n.kind) || 0) + 1);
  }

  function checkbox(name, value, content, onchange) {
    return el("label", { class: "check" }, [
      el("input", { type: "checkbox", name: name, value: value, checked: true, onchange: onchange }),
      " ",
      ...content,
    ]);
  }

  const statusBoxes = el("fieldset", { class: "graph-filter", id: "filter-status" }, [
    el("legend", { text: t("Links by status") }),
    ...data.statuses.map((s) =>
      checkbox("status", s.id, [
        el("span", { class: "swatch status-" + s.id, "aria-hidden": "true" }),
        " " + s.label + " (" + thousands(counts.get(s.id) || 0) + ")",
      ], (ev) => {
        if (ev.target.checked) {
          state.status.add(s.id);
        } else {
          state.status.delete(s.id);
        }
        filtered();
        measured("filter", ev.timeStamp);
      })
    ),
  ]);
  const kindBoxes = el("fieldset", { class: "graph-filter", id: "filter-kind" }, [
    el("legend", { text: t("Services by kind") }),
    ...data.kinds.map((k) =>
      checkbox("kind", k.id, [
        shapeSample(k.shape),
        " " + k.label + " (" + thousands(kindCounts.get(k.id) || 0) + ")",
      ], (ev) => {
        if (ev.target.checked) {
          state.kind.add(k.id);
        } else {
          state.kind.delete(k.id);
        }
        filtered();
        measured("filter", ev.timeStamp);
      })
    ),
  ]);

  const depthSelect = el(
    "select",
    {
      id: "graph-depth",
      onchange: (ev) => {
        state.depth = ev.target.value === "all" ? Infinity : Number(ev.target.value);
        filtered();
        measured("filter", ev.timeStamp);
      },
    },
    [el("option", { value: "all", text: t("all ranks") })].concat(
      Array.from({ length: maxLevel }, (_, i) =>
        el("option", { value: String(i + 1), text: t("up to rank {n}", { n: i + 1 }) })
      )
    )
  );

  const searchInput = el("input", {
    type: "search",
    id: "graph-search",
    autocomplete: "off",
    placeholder: t("name, id or supplier"),
    "aria-controls": "graph-search-results",
  });
  const searchResults = el("ul", { id: "graph-search-results", class: "search-results" });
  const searchStatus = el("p", { class: "muted search-status", role: "status" });

  const tools = el("div", { class: "graph-tools" }, [
    el("div", { class: "graph-search" }, [
      el("label", { for: "graph-search", text: t("Find a service") }),
      searchInput,
      searchStatus,
      searchResults,
    ]),
    statusBoxes,
    kindBoxes,
    el("div", { class: "graph-depth" }, [
      el("label", { for: "graph-depth", text: t("Show") }),
      depthSelect,
      el("button", { type: "button", id: "graph-fit", text: t("Fit to screen"), onclick: () => fit() }),
      el("button", { type: "button", id: "graph-clear", text: t("Clear highlight"), onclick: () => highlight(null) }),
    ]),
  ]);

  const legend = el("div", { class: "graph-legend", "aria-label": t("Legend") }, [
    el("h2", { text: t("Legend:") }),
    el(
      "ul",
      {},
      data.statuses.map((s) =>
        el("li", {}, [
          el("span", { class: "swatch status-" + s.id, "aria-hidden": "true" }),
          " ",
          el("strong", { text: s.label }),
          ": " + s.meaning,
        ])
      ).concat(
        data.kinds.map((k) =>
          el("li", {}, [
            shapeSample(k.shape),
            " " + k.label,
          ])
        )
      )
    ),
    el("p", {
      class: "muted",
      text: t(
        "Click a service or a link for its verdict and reasons; double-click a service to " +
          "collapse or expand what hangs below it."
      ),
    }),
  ]);

  const note = el("p", { id: "graph-note", class: "graph-note", role: "status", hidden: true });
  const canvas = el("div", {
    id: "graph-canvas",
    class: "graph-canvas",
    role: "region",
    "aria-label": t("Graph of {links}; the table below lists the same links", {
      links: plural(data.edges.length, "link"),
    }),
  });
  const panel = el("aside", {
    id: "graph-panel",
    class: "graph-panel",
    "aria-live": "polite",
    "aria-label": t("Details"),
    tabindex: "-1",
  });
  const table = buildTable();

  app.append(
    legend,
    el("div", { class: "graph-main" }, [
      el("div", { class: "graph-view" }, [note, canvas]),
      el("div", { class: "graph-side" }, [tools, panel]),
    ]),
    table.section
  );
  showIntro();

  // ---- the network -----------------------------------------------------------------------

  // An ellipse grows twice as tall as its label; a box with round ends (the legend's sample
  // too) keeps the PaaS services as compact as the others.
  // A label drawn below its shape (hexagon, diamond) gets a white ground, so that no line
  // runs through its text.
  const OUTSIDE = { font: { background: "rgba(255, 255, 255, 0.92)" } };
  const SHAPES = {
    ellipse: { shape: "box", shapeProperties: { borderRadius: 16 } },
    hexagon: OUTSIDE,
    diamond: OUTSIDE,
  };
  function nodeItem(n) {
    const kind = kindById.get(n.kind);
    const shape = kind ? kind.shape : "box";
    return Object.assign(
      {
        id: n.id,
        x: n.x,
        y: n.y,
        label: nodeLabel(n, 0),
        title: nodeTitle(n),
        shape: shape,
        shapeProperties: { borderRadius: 3 },
        size: 14,
        borderWidth: n.offering ? 3 : 1,
        color: n.offering ? OFFERING_COLOR : NODE_COLOR,
      },
      SHAPES[shape] || {}
    );
  }
  // A dash pattern repeats at most DASH_PERIODS times along an edge: Chromium strokes every dash
  // of a long edge even when the graph is zoomed out (a 20,000-link chain took 10 s more to
  // draw with fixed dashes), so a long edge gets proportionally longer dashes.
  const DASH_PERIODS = 100;
  function dashesOf(e, s) {
    if (!s.dashes) {
      return false;
    }
    const a = nodesById.get(e.from);
    const b = nodesById.get(e.to);
    const length = a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
    const period = s.dashes.reduce((sum, d) => sum + d, 0);
    const factor = Math.max(1, length / (period * DASH_PERIODS));
    return s.dashes.map((d) => d * factor);
  }
  function edgeStyle(e, onPath) {
    const s = statusById.get(e.status);
    return {
      color: { color: s.color, highlight: s.color, hover: s.color, opacity: 1 },
      dashes: dashesOf(e, s),
      width: onPath ? s.width + 4 : s.width,
      shadow: onPath ? { enabled: true, color: PATH_BORDER, size: 6, x: 0, y: 0 } : false,
    };
  }
  // A link to the next rank is an S-curve between the columns, its label in the gap between
  // them; any other link (within a rank, back up, or over a rank) starts curved, and
  // placeLabels() picks the bend that keeps it and its label off the services.
  function forward(e) {
    const a = nodesById.get(e.from);
    const b = nodesById.get(e.to);
    return Boolean(a && b && b.level === a.level + 1);
  }
  const FORWARD = { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.5 };
  const BENDS = [FORWARD, { enabled: true, type: "curvedCW", roundness: 0.25 }].concat(
    ...[0.25, 0.45, 0.7, 1.0, 0.12].map((r) => [
      { enabled: true, type: "curvedCW", roundness: r },
      { enabled: true, type: "curvedCCW", roundness: r },
    ])
  );
  function smoothOf(e) {
    if (big) {
      return false;
    }
    return forward(e) ? FORWARD : BENDS[1];
  }
  function edgeItem(e) {
    return Object.assign(
      {
        id: e.id,
        from: e.from,
        to: e.to,
        title: edgeTitle(e),
        label: labelEdges ? statusLabel(e.status) : undefined,
        smooth: smoothOf(e),
      },
      edgeStyle(e, false)
    );
  }

  if (typeof vis === "undefined") {
    canvas.append(el("p", { class: "message error", text: t("The graph library did not load; the table below lists the links.") }));
    table.refresh();
    return;
  }
  const nodes = new vis.DataSet(data.nodes.map(nodeItem));
  const edges = new vis.DataSet(data.edges.map(edgeItem));
  const network = new vis.Network(
    canvas,
    { nodes: nodes, edges: edges },
    {
      autoResize: true,
      physics: false,
      layout: { improvedLayout: false, hierarchical: false, randomSeed: 1 },
      interaction: {
        hover: !big,
        tooltipDelay: 150,
        hideEdgesOnDrag: big,
        hideEdgesOnZoom: big,
        keyboard: { enabled: true, bindToWindow: false, autoFocus: false },
        multiselect: false,
        navigationButtons: false,
      },
      nodes: {
        font: { face: "system-ui, sans-serif", size: NODE_FONT, color: "#1d1d1f", multi: false },
        widthConstraint: big ? false : { maximum: data.labelWidth || 150 },
        margin: { top: MARGIN_TOP, right: 8, bottom: 6, left: 8 },
        scaling: { label: { drawThreshold: labelEdges ? 0 : 5 } },
        chosen: true,
      },
      edges: {
        arrows: { to: { enabled: true, scaleFactor: 0.6 } },
        font: { size: EDGE_FONT, align: "horizontal", strokeWidth: 5, strokeColor: "#ffffff", color: "#1d1d1f" },
        scaling: { label: { drawThreshold: labelEdges ? 0 : 5 } },
        selectionWidth: 2,
        hoverWidth: 1,
      },
    }
  );
  hook.network = network;
  hook.nodes = nodes;
  hook.edges = edges;

  // vis-network 9.1.2 (pinned: pyvis ships it) strokes every link at each frame, also those
  // between two services off the canvas: on a big chain thousands of long lines cross any part
  // of it, 90% of a frame's time (about 180 ms a frame at 20,000 links). On a big graph its
  // list of links to draw is cut, for the drawing only, to the links of the services on the
  // canvas (or just beside it), and put back after, so that the pointer still finds every
  // link; zoomed out, every service is on the canvas and every link is drawn. `allEdges`
  // holds the whole list meanwhile. See docs/adr/0028-graph-page-at-scale.md.
  let allEdges = null;
  const CULL_PAD = 160; // canvas px: a service's half width and its label, beyond its centre
  if (big) {
    network.on("beforeDrawing", () => {
      const body = network.body;
      const a = network.DOMtoCanvas({ x: 0, y: 0 });
      const b = network.DOMtoCanvas({ x: canvas.clientWidth, y: canvas.clientHeight });
      const left = a.x - CULL_PAD;
      const top = a.y - CULL_PAD;
      const right = b.x + CULL_PAD;
      const bottom = b.y + CULL_PAD;
      allEdges = body.edgeIndices;
      const drawn = [];
      for (const id of allEdges) {
        const f = body.edges[id].from;
        const t = body.edges[id].to;
        const seen =
          !f || !t ||
          (f.x >= left && f.x <= right && f.y >= top && f.y <= bottom) ||
          (t.x >= left && t.x <= right && t.y >= top && t.y <= bottom);
        if (seen) {
          drawn.push(id);
        }
      }
      body.edgeIndices = drawn;
      hook.drawnEdges = drawn.length;
    });
    network.on("afterDrawing", () => {
      if (allEdges !== null) {
        network.body.edgeIndices = allEdges;
        allEdges = null;
      }
    });
  }
  // Where node `id` is in the window, scrolled into it first if it is below the fold.
  hook.domPosition = function (id) {
    const p = network.canvasToDOM(network.getPosition(id));
    let box = canvas.getBoundingClientRect();
    if (box.top + p.y > window.innerHeight - 20 || box.top + p.y < 20) {
      window.scrollBy(0, box.top + p.y - window.innerHeight / 2);
      box = canvas.getBoundingClientRect();
    }
    return { x: box.left + p.x, y: box.top + p.y };
  };
  // What vis-network draws (and finds under the pointer): its own lists, after the filters.
  hook.visibleEdges = () => (allEdges || network.body.edgeIndices).slice();
  hook.visibleNodes = () => network.body.nodeIndices.slice();
  hook.select = selectNode;
  hook.highlight = highlight;

  hook.geometry = geometry;
  hook.placeLabels = placeLabels;
  hook.firstView = firstView;

  if (labelEdges) {
    // vis-network measures a label only where it draws it, and draws only what is in view:
    // measure with the whole graph in view (labels drawn at any size, see drawThreshold).
    network.fit({ animation: false });
    network.redraw(); // measures every service: the sizes spread() and placeLabels() need
    if (belowRims()) {
      network.redraw();
    }
    if (spread()) {
      network.fit({ animation: false });
      network.redraw();
    }
    placeLabels();
  }
  firstView();
  network.once("afterDrawing", () => {
    afterNextFrame(() => {
      hook.readyAt = performance.now();
      performance.mark("ketenkaart:ready");
      // The table below the graph is filled once the graph shows (20,000 rows take a while
      // to make); then the page is ready for the tests and the benchmark.
      table.refresh();
      hook.ready = true;
      app.setAttribute("data-ready", "true");
    });
  });
  // vis-network has asked for a frame to draw in since it got the data; drawing now as well
  // would draw the whole graph twice before the first frame shows it.
  if (!network.renderer.redrawRequested) {
    network.redraw();
  }
  // The hook's pan, zoom and click: seen on the way down to vis-network's canvas (capture), so
  // the time counts from the event, whatever vis-network then does with it.
  let press = null;
  canvas.addEventListener("pointerdown", (ev) => {
    press = { x: ev.clientX, y: ev.clientY, moved: false };
  }, true);
  canvas.addEventListener("pointermove", (ev) => {
    if (press && ev.buttons & 1) {
      press.moved = press.moved || Math.hypot(ev.clientX - press.x, ev.clientY - press.y) > 3;
      if (press.moved) {
        measured("pan", ev.timeStamp);
      }
    }
  }, true);
  canvas.addEventListener("pointerup", (ev) => {
    if (press && !press.moved) {
      measured("click", ev.timeStamp);
    }
    press = null;
  }, true);
  canvas.addEventListener("wheel", (ev) => measured("zoom", ev.timeStamp), { capture: true, passive: true });
  // vis-network takes its tooltip away on a move over the canvas; a pointer that leaves the
  // graph in one jump (onto the panel, say) left it standing over the page, as a tooltip
  // still waiting for its delay would appear after the pointer had gone.
  canvas.addEventListener("pointerleave", () => {
    const handler = network.interactionHandler;
    clearTimeout(handler.popupTimer);
    handler.popupTimer = undefined;
    handler.popupObj = undefined;
    if (handler.popup) {
      handler.popup.hide();
    }
  });
  network.on("click", (params) => {
    if (params.nodes.length) {
      selectNode(params.nodes[0], { focus: false });
    } else if (params.edges.length) {
      selectEdge(params.edges[0], { focus: false });
    }
  });
  network.on("doubleClick", (params) => {
    if (params.nodes.length) {
      toggleCollapse(params.nodes[0]);
    }
  });

  function fit() {
    network.fit({ animation: false, maxZoomLevel: MAX_SCALE });
  }

  // ---- the first view and the labels' places ---------------------------------------------------

  function overlap(a, b, pad) {
    return a.left < b.right + pad && b.left < a.right + pad && a.top < b.bottom + pad && b.top < a.bottom + pad;
  }
  function inside(p, b) {
    return p.x > b.left && p.x < b.right && p.y > b.top && p.y < b.bottom;
  }
  function edgeLabelBox(id) {
    const edge = network.body.edges[id];
    const size = edge.labelModule.size;
    if (!edge.options.label || !size.width) {
      return null;
    }
    const p = edge.edgeType.getPoint(0.5);
    return { left: p.x - size.width / 2, right: p.x + size.width / 2, top: p.y - size.height / 2, bottom: p.y + size.height / 2 };
  }
  function nodeBox(id) {
    if (!labelEdges) {
      // A big graph is not drawn twice to be measured: its services' places will do.
      const p = network.getPosition(id);
      const half = (data.labelWidth || 150) / 2 + 10;
      return { left: p.x - half, right: p.x + half, top: p.y - 40, bottom: p.y + 40 };
    }
    // The shape and its label: vis-network's box stops short of a label drawn below a shape.
    const b = network.getBoundingBox(id);
    const l = network.body.nodes[id].labelModule.size;
    return {
      left: Math.min(b.left, l.left),
      right: Math.max(b.right, l.left + l.width),
      top: Math.min(b.top, l.top),
      bottom: Math.max(b.bottom, l.top + l.height),
    };
  }

  // vis-network draws a cylinder (IaaS) as tall as its label is wide, its top rim the top third
  // of it, and the label from the top margin down: the first line sat on the rim. Each
  // cylinder's label moves down below the rim, as far as the body leaves room for it.
  function belowRims() {
    const moved = [];
    for (const id of network.body.nodeIndices) {
      const node = network.body.nodes[id];
      const shape = node.shape;
      if (node.options.shape !== "database" || !shape.height) {
        continue;
      }
      // vis-network keeps a shape's margins from when it made it; a vertical shift of the
      // label (font.vadjust) is what it takes on an update.
      const rim = shape.height / 3;
      const room = shape.height - node.labelModule.size.height - 4;
      const top = Math.max(MARGIN_TOP, Math.min(Math.ceil(rim) + 2, Math.floor(room)));
      const shift = top - MARGIN_TOP;
      if (shift !== (node.options.font.vadjust || 0)) {
        moved.push({ id: id, font: { vadjust: shift } });
      }
    }
    if (moved.length) {
      nodes.update(moved);
    }
    return moved.length > 0;
  }

  // The server estimates each service's height from its label; where the drawn one is taller
  // and meets the next service down its column, move that one (and those below) down.
  function spread() {
    const columns = new Map();
    for (const n of data.nodes) {
      push(columns, n.level, n.id);
    }
    let moved = 0;
    for (const ids of columns.values()) {
      const stack = ids.map((id) => ({ id: id, box: nodeBox(id), at: network.getPosition(id) }));
      stack.sort((a, b) => a.at.y - b.at.y);
      let bottom = -Infinity;
      for (const s of stack) {
        const shift = Math.max(0, bottom + SPREAD_GAP - s.box.top);
        if (shift > 0) {
          network.moveNode(s.id, s.at.x, s.at.y + shift);
          moved += 1;
        }
        bottom = s.box.bottom + shift;
      }
    }
    return moved;
  }

  // Bend each labelled edge so that neither its label nor its line crosses a service, and its
  // label stays off the labels placed before it; drop the label only when no bend clears it.
  function placeLabels() {
    const boxes = data.nodes.map((n) => [n.id, nodeBox(n.id)]);
    const placed = [];
    const order = data.edges.slice().sort((a, b) => Number(!forward(a)) - Number(!forward(b)) || a.id - b.id);
    const changes = [];
    let dropped = 0;
    for (const e of order) {
      const edge = network.body.edges[e.id];
      if (!edge || !edge.labelModule.size.width) {
        continue;
      }
      // Edge.setOptions, as vis-network's own update does, without a DataSet event per try.
      const item = edges.get(e.id);
      let best = null;
      const candidates = forward(e) ? BENDS : BENDS.slice(1);
      for (let i = 0; i < candidates.length; i++) {
        edge.setOptions(Object.assign({}, item, { smooth: candidates[i] }));
        const label = edgeLabelBox(e.id);
        const points = [];
        for (let t = 0.05; t < 1; t += 0.05) {
          points.push(edge.edgeType.getPoint(t));
        }
        let score = i * 0.01;
        for (const [id, box] of boxes) {
          if (overlap(label, box, 3)) {
            score += 1000;
          }
          if (id !== e.from && id !== e.to && points.some((p) => inside(p, box))) {
            score += 10;
          }
        }
        for (const other of placed) {
          if (overlap(label, other, 2)) {
            score += 3;
          }
        }
        if (best === null || score < best.score) {
          best = { score: score, smooth: candidates[i], label: label };
        }
        if (score < 1) {
          break;
        }
      }
      const change = { id: e.id, smooth: best.smooth };
      if (best.score >= 1000) {
        change.label = "";
        dropped += 1;
      } else {
        placed.push(best.label);
      }
      changes.push(change);
    }
    edges.update(changes);
    hook.droppedLabels = dropped;
    return dropped;
  }

  function graphBox() {
    const box = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
    const grow = (b) => {
      box.left = Math.min(box.left, b.left);
      box.right = Math.max(box.right, b.right);
      box.top = Math.min(box.top, b.top);
      box.bottom = Math.max(box.bottom, b.bottom);
    };
    for (const id of hook.visibleNodes()) {
      grow(nodeBox(id));
    }
    if (labelEdges) {
      for (const id of hook.visibleEdges()) {
        const b = edgeLabelBox(id);
        if (b) {
          grow(b);
        }
      }
    }
    return box;
  }

  // Where a view of `box` at `scale` on a canvas of `width` by `height` pixels is centred: the
  // box's middle, or, when the box does not fit (`partial`), from the offering on: the left
  // edge of the graph at the canvas's, the offering in the middle of the height (or as near as
  // the graph's top and bottom allow). Without the offering in view, from the top left.
  function viewCentre(box, scale, width, height, partial) {
    const middle = { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 };
    if (!partial) {
      return middle;
    }
    const halfWidth = (width / 2 - CANVAS_PAD) / scale;
    const halfHeight = (height / 2 - CANVAS_PAD) / scale;
    const from = !network.body.nodes[data.offering].options.hidden
      ? { left: nodeBox(data.offering).left, y: network.getPosition(data.offering).y }
      : { left: box.left, y: box.top };
    const x = Math.min(middle.x, from.left + halfWidth);
    if ((box.bottom - box.top) * scale + 2 * CANVAS_PAD <= height) {
      return { x: x, y: middle.y };
    }
    return { x: x, y: Math.max(box.top + halfHeight, Math.min(box.bottom - halfHeight, from.y)) };
  }

  // Size the canvas to the graph at a legible scale, or show the part that fits and say so.
  function firstView() {
    const box = graphBox();
    if (!isFinite(box.left)) {
      return;
    }
    const width = canvas.clientWidth;
    const w = box.right - box.left;
    const h = box.bottom - box.top;
    // The whole chain in the window if it reads there, else at the legible size, taller.
    // Room: from the canvas's top to the bottom of the first screen.
    const top = canvas.getBoundingClientRect().top + window.scrollY;
    const room = Math.max(MIN_CANVAS, window.innerHeight - top - 8);
    let scale = Math.min(MAX_SCALE, (width - 2 * CANVAS_PAD) / Math.max(w, 1));
    scale = Math.min(scale, Math.max(MIN_SCALE, (room - 2 * CANVAS_PAD) / Math.max(h, 1)));
    let partial = false;
    if (scale < MIN_SCALE) {
      scale = MIN_SCALE;
      partial = true;
    }
    let height = h * scale + 2 * CANVAS_PAD;
    const tallest = data.nodes.length <= LEGIBLE_SERVICES ? Infinity : Math.max(480, Math.round(window.innerHeight * 0.85));
    if (height > tallest) {
      height = tallest;
      partial = true;
    }
    height = Math.max(MIN_CANVAS, Math.ceil(height));
    canvas.style.height = height + "px";
    network.setSize("100%", height + "px");
    network.moveTo({ position: viewCentre(box, scale, width, height, partial), scale: scale, animation: false });
    network.setOptions({ interaction: { zoomView: partial } });
    hook.partial = partial;
    if (partial) {
      say(partialNote());
    }
  }

  function partialNote() {
    return t(
      "This chain of {services} does not fit at a readable size: " +
        "the graph shows the part from the offering on. Drag to move, scroll to zoom, or use " +
        "\u201cFit to screen\u201d for the whole chain; the table below lists every link.",
      { services: plural(data.nodes.length, "service") }
    );
  }

  // The note above the canvas says `text`, or is hidden when there is none.
  function say(text) {
    note.hidden = !text;
    if (text) {
      note.textContent = text;
    }
  }

  // The labels as drawn, in pixels of the canvas element: for the tests (and a curious reader).
  function geometry() {
    const scale = network.getScale();
    const dom = (b) => {
      const a = network.canvasToDOM({ x: b.left, y: b.top });
      const c = network.canvasToDOM({ x: b.right, y: b.bottom });
      return { left: a.x, top: a.y, right: c.x, bottom: c.y };
    };
    const result = { scale: scale, width: canvas.clientWidth, height: canvas.clientHeight, nodes: [], edges: [] };
    for (const id of hook.visibleNodes()) {
      const node = network.body.nodes[id];
      const s = node.labelModule.size;
      const box = dom(nodeBox(id));
      result.nodes.push({
        id: id,
        // Drawn in the last frame (vis-network measures the others' boxes, not their labels).
        inView: box.left >= 0 && box.top >= 0 && box.right <= canvas.clientWidth && box.bottom <= canvas.clientHeight,
        fontPx: node.labelModule.fontOptions.size * scale,
        label: dom({ left: s.left, top: s.top, right: s.left + s.width, bottom: s.top + s.height }),
        box: box,
      });
    }
    for (const id of hook.visibleEdges()) {
      const edge = network.body.edges[id];
      const s = edge.labelModule.size;
      if (!edge.options.label || !s.width) {
        continue;
      }
      const label = dom({ left: s.left, top: s.top, right: s.left + s.width, bottom: s.top + s.height });
      const cx = (label.left + label.right) / 2;
      const cy = (label.top + label.bottom) / 2;
      let distance = Infinity;
      for (let t = 0; t <= 1.0001; t += 0.01) {
        const p = network.canvasToDOM(edge.edgeType.getPoint(t));
        distance = Math.min(distance, Math.hypot(p.x - cx, p.y - cy));
      }
      result.edges.push({ id: id, from: edge.fromId, to: edge.toId, text: edge.options.label, label: label, distance: distance });
    }
    // Lines that run through another service's label (their ends excepted), where in view.
    result.crossings = [];
    for (const id of hook.visibleEdges()) {
      const edge = network.body.edges[id];
      const points = [];
      for (let t = 0.04; t < 0.97; t += 0.02) {
        points.push(network.canvasToDOM(edge.edgeType.getPoint(t)));
      }
      for (const n of result.nodes) {
        if (n.id !== edge.fromId && n.id !== edge.toId && n.inView && points.some((p) => inside(p, n.label))) {
          result.crossings.push({ id: id, from: edge.fromId, to: edge.toId, node: n.id });
        }
      }
    }
    return result;
  }

  // ---- visibility: filters, depth and collapsed subtrees -------------------------------------

  const shown = { nodes: new Map(), edges: new Map(), labels: new Map() };

  // The services and links by place in the data, for refresh(), which runs on every filter
  // and says whether anything was shown or hidden.
  const nodeAt = new Map(data.nodes.map((n, i) => [n.id, i]));
  const parentAt = data.nodes.map((n) => (n.parent === null || !nodeAt.has(n.parent) ? -1 : nodeAt.get(n.parent)));
  const fromAt = data.edges.map((e) => (nodeAt.has(e.from) ? nodeAt.get(e.from) : -1));
  const toAt = data.edges.map((e) => (nodeAt.has(e.to) ? nodeAt.get(e.to) : -1));

  let linksShown = data.edges.length; // how many links the filters leave (refresh() counts)
  function refresh() {
    const count = data.nodes.length;
    const treeHidden = new Uint8Array(count);
    const base = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const n = data.nodes[i];
      const up = parentAt[i];
      // Nodes come sorted by level, so a parent is settled before its children.
      const hidden = n.level > state.depth || (up >= 0 && (treeHidden[up] === 1 || state.collapsed.has(n.parent)));
      treeHidden[i] = hidden ? 1 : 0;
      base[i] = !hidden && state.kind.has(n.kind) ? 1 : 0;
    }
    const hasEdge = new Uint8Array(count);
    const edgeIndices = [];
    let changed = 0; // services and links shown or hidden
    for (let j = 0; j < data.edges.length; j++) {
      const e = data.edges[j];
      const a = fromAt[j];
      const b = toAt[j];
      // "up to rank n" shows the links of the first n ranks only: a link of a deeper rank
      // between two services both shown (a rank-2 link between two of rank 1) is hidden too
      const visible = state.status.has(e.status) && e.rank <= state.depth && a >= 0 && b >= 0 && base[a] === 1 && base[b] === 1;
      if (visible) {
        hasEdge[a] = 1;
        hasEdge[b] = 1;
        edgeIndices.push(e.id);
      }
      if (shown.edges.get(e.id) !== visible) {
        shown.edges.set(e.id, visible);
        network.body.edges[e.id].options.hidden = !visible;
        changed += 1;
      }
    }
    const nodeIndices = [];
    const nodeUpdates = [];
    for (let i = 0; i < count; i++) {
      const n = data.nodes[i];
      const visible = base[i] === 1 && (n.offering || hasEdge[i] === 1);
      if (visible) {
        nodeIndices.push(n.id);
      }
      const kids = children.get(n.id);
      const hiddenBelow = kids && treeHidden[nodeAt.get(kids[0])] === 1 && treeHidden[i] === 0 ? below.get(n.id) : 0;
      if (shown.nodes.get(n.id) !== visible) {
        shown.nodes.set(n.id, visible);
        network.body.nodes[n.id].options.hidden = !visible;
        changed += 1;
      }
      if ((shown.labels.get(n.id) || 0) !== hiddenBelow) {
        shown.labels.set(n.id, hiddenBelow);
        nodeUpdates.push({ id: n.id, label: nodeLabel(n, hiddenBelow) });
      }
    }
    linksShown = edgeIndices.length;
    if (changed) {
      // vis-network's lists of what to draw, as its _updateVisibleIndices() makes them from
      // the `hidden` flags set above, without its pass over every item (20 ms at 20,000 links)
      // or the rest of its step after a change of data (clusters, value ranges, reconnecting
      // every link: 100 ms more), which a change of visibility does not need.
      network.body.nodeIndices = nodeIndices;
      network.body.edgeIndices = edgeIndices;
      network.body.emitter.emit("_requestRedraw");
    }
    if (nodeUpdates.length) {
      nodes.update(nodeUpdates);
    }
    table.refresh();
    // the service or link the panel shows, hidden now by a filter: the panel no longer shows
    // what the graph does not
    const picked = state.selected;
    if (picked && !(picked.node !== undefined ? shown.nodes.get(picked.node) : shown.edges.get(picked.edge))) {
      state.selected = null;
      network.unselectAll();
      showIntro();
    }
    return changed > 0;
  }

  // A filter's choice shows its whole outcome (the view stayed where it was, often on
  // services the filter had just hidden): what shows, fitted, at most at MAX_SCALE; when it
  // does not fit legibly, its part from the offering on, as the first view shows a big chain,
  // with the first view's note saying so (and without it when what shows fits).
  function filtered() {
    if (!refresh()) {
      return;
    }
    const box = graphBox();
    if (!isFinite(box.left)) {
      sayWhatShows(false); // nothing at all: every kind unticked hides the offering too
      return;
    }
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    let scale = Math.min(
      MAX_SCALE,
      (width - 2 * CANVAS_PAD) / Math.max(box.right - box.left, 1),
      (height - 2 * CANVAS_PAD) / Math.max(box.bottom - box.top, 1)
    );
    const partial = scale < MIN_SCALE;
    scale = Math.max(scale, MIN_SCALE);
    network.moveTo({ position: viewCentre(box, scale, width, height, partial), scale: scale, animation: false });
    sayWhatShows(partial);
  }

  // The note above the graph after a filter: that no link matches (the lone offering, or an
  // empty canvas, would look like a chain without links), else the first view's note when
  // what shows does not fit legibly.
  function sayWhatShows(partial) {
    if (!linksShown && data.edges.length) {
      say(t("No link matches these filters: tick more statuses or kinds, or show more ranks."));
    } else {
      say(hook.partial && partial ? partialNote() : null);
    }
  }

  function toggleCollapse(id) {
    if (!(children.get(id) || []).length) {
      return;
    }
    if (state.collapsed.has(id)) {
      state.collapsed.delete(id);
    } else {
      state.collapsed.add(id);
    }
    refresh();
    if (state.selected && state.selected.node === id) {
      showNodePanel(id);
    }
  }
  hook.toggleCollapse = toggleCollapse;

  // ---- path highlight ------------------------------------------------------------------------

  function pathTo(id) {
    const ids = [];
    let current = id;
    while (current !== null && current !== undefined && ids.length <= data.nodes.length) {
      ids.unshift(current);
      const n = nodesById.get(current);
      current = n ? n.parent : null;
    }
    return ids;
  }

  function highlight(id) {
    if (state.path) {
      nodes.update(state.path.nodes.map((n) => ({ id: n, borderWidth: nodesById.get(n).offering ? 3 : 1, color: nodesById.get(n).offering ? OFFERING_COLOR : NODE_COLOR })));
      edges.update(state.path.edges.map((e) => Object.assign({ id: e }, edgeStyle(edgesById.get(e), false))));
      state.path = null;
    }
    if (id === null) {
      if (state.selected) {
        rerenderPanel();
      }
      return;
    }
    const ids = pathTo(id);
    const onPath = [];
    for (let i = 1; i < ids.length; i++) {
      const link = (into.get(ids[i]) || []).find((e) => e.from === ids[i - 1]);
      if (link) {
        onPath.push(link.id);
      }
    }
    // The path is shown whatever the depth and the collapsed subtrees.
    let opened = false;
    for (const n of ids) {
      if (state.collapsed.delete(n)) {
        opened = true;
      }
    }
    const deepest = nodesById.get(id).level;
    if (deepest > state.depth) {
      state.depth = Infinity;
      depthSelect.value = "all";
      opened = true;
    }
    if (opened) {
      refresh();
    }
    state.path = { target: id, nodes: ids, edges: onPath };
    nodes.update(ids.map((n) => ({ id: n, borderWidth: 5, color: { border: PATH_BORDER, background: nodesById.get(n).offering ? OFFERING_COLOR.background : NODE_COLOR.background } })));
    edges.update(onPath.map((e) => Object.assign({ id: e }, edgeStyle(edgesById.get(e), true))));
    rerenderPanel();
  }

  // ---- selection and the side panel ---------------------------------------------------------

  function showIntro() {
    clear(panel);
    panel.append(
      el("h2", { text: t("Details") }),
      el("p", {
        class: "muted",
        text: t("Click a service or a link in the graph, pick a row of the table, or find a service by name."),
      })
    );
  }

  function rerenderPanel() {
    if (!state.selected) {
      return;
    }
    if (state.selected.node !== undefined) {
      showNodePanel(state.selected.node);
    } else {
      showEdgePanel(state.selected.edge);
    }
  }

  function selectNode(id, options) {
    if (!nodesById.has(id)) {
      return;
    }
    state.selected = { node: id };
    network.selectNodes([id], false);
    if ((!options || options.focus !== false) && shown.nodes.get(id) !== false) {
      network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false });
    }
    showNodePanel(id);
  }

  function selectEdge(id, options) {
    const e = edgesById.get(id);
    if (!e) {
      return;
    }
    state.selected = { edge: id };
    network.setSelection({ nodes: [], edges: [id] }, { unselectAll: true, highlightEdges: false });
    if ((!options || options.focus !== false) && shown.edges.get(id) !== false) {
      network.fit({ nodes: [e.from, e.to], animation: false, maxZoomLevel: 1.2 });
    }
    showEdgePanel(id);
  }
  hook.selectEdge = selectEdge;

  // A row of the table chosen: its link in the graph and the panel, brought into view (the
  // table lies below them; the panel changed out of sight and the choice seemed to do nothing).
  function fromTable(id) {
    selectEdge(id);
    panel.scrollIntoView({ block: "nearest" });
  }

  function row(term, value) {
    return [el("dt", { text: term }), el("dd", {}, typeof value === "string" ? unbroken(value) : [value])];
  }

  function nodeButton(id, text) {
    return el("button", { type: "button", class: "link-button", text: text || nameOf(id), onclick: () => selectNode(id) });
  }

  function showNodePanel(id) {
    const n = nodesById.get(id);
    clear(panel);
    const ins = into.get(id) || [];
    const outs = outOf.get(id) || [];
    panel.append(
      el("h2", { text: n.name }),
      el("dl", { class: "facts" }, [
        ...row(t("Service"), n.id),
        ...row(t("Kind"), kindLabel(n.kind)),
        ...row(t("Supplier"), supplierOf(n) + (n.supplier ? " (" + n.supplier + ")" : "")),
        ...(n.locations.length ? row(t("Locations"), n.locations.join(", ")) : []),
        ...row(t("Rank"), n.offering ? t("the offering") : String(n.level)),
      ])
    );
    const actions = el("p", { class: "actions" });
    if (!n.offering) {
      actions.append(el("button", { type: "button", id: "panel-path", text: t("Highlight the path from the offering"), onclick: () => highlight(id) }));
    }
    if ((children.get(id) || []).length) {
      const collapsed = state.collapsed.has(id);
      actions.append(
        " ",
        el("button", {
          type: "button",
          id: "panel-collapse",
          "aria-pressed": collapsed ? "true" : "false",
          text: collapsed ? t("Expand what hangs below") : t("Collapse what hangs below"),
          onclick: () => toggleCollapse(id),
        })
      );
    }
    if (actions.childNodes.length) {
      panel.append(actions);
    }
    if (state.path && state.path.target === id) {
      panel.append(el("p", { class: "path", id: "panel-path-text" }, [t("Path: {path}", { path: state.path.nodes.map(nameOf).join(" \u2192 ") })]));
    }
    if (shown.nodes.get(id) === false) {
      panel.append(el("p", { class: "muted", text: t("This service is hidden by the filters, the depth or a collapsed service above it.") }));
    }
    if (ins.length) {
      panel.append(el("h3", { text: ins.length === 1 ? t("The link into this service") : t("{links} into this service", { links: plural(ins.length, "link") }) }));
      for (const e of ins.slice(0, PANEL_LINKS)) {
        panel.append(linkBlock(e));
      }
      if (ins.length > PANEL_LINKS) {
        panel.append(el("p", { class: "muted", text: t("and {n} more; the table lists every link.", { n: thousands(ins.length - PANEL_LINKS) }) }));
      }
    }
    if (outs.length) {
      panel.append(el("h3", { text: t("Relies on {services}", { services: plural(outs.length, "service") }) }));
      panel.append(
        el(
          "ul",
          { class: "relies" },
          outs.slice(0, PANEL_LINKS).map((e) => el("li", {}, [nodeButton(e.to), " ", el("span", { class: "status-word status-" + e.status, text: statusLabel(e.status) })]))
        )
      );
    }
  }

  function showEdgePanel(id) {
    const e = edgesById.get(id);
    clear(panel);
    panel.append(
      el("h2", { text: t("Link") }),
      el("p", {}, [nodeButton(e.from), " " + t("relies on") + " ", nodeButton(e.to)]),
      linkBlock(e)
    );
  }

  function linkBlock(e) {
    const s = statusById.get(e.status);
    const block = el("article", { class: "link-detail status-" + e.status }, [
      el("h4", { text: nameOf(e.from) + " \u2192 " + nameOf(e.to) }),
      el("p", {}, [
        el("strong", { class: "status-word status-" + e.status, text: s.label }),
        ": " + s.meaning + " (" + e.verdict + ")",
        e.rank ? ", " + t("rank {n}", { n: e.rank }) : "",
        e.critical ? ", " + t("critical") : "",
        e.role ? ", " + t("for {role}", { role: e.role }) : "",
      ]),
    ]);
    if (e.reasons.length) {
      block.append(
        el(
          "ul",
          { class: "reasons" },
          e.reasons.map((i) => el("li", {}, [el("code", { text: data.reasons[i][0] }), " ", ...unbroken(reasonText(i))]))
        )
      );
    }
    if (e.notes.length) {
      // a carve-out: the report of the consumer leaves this link to evidence of its own
      block.append(el("ul", { class: "notes" }, e.notes.map((note) => el("li", {}, unbroken(note)))));
    }
    if (e.uncovered.length) {
      block.append(el("p", { text: t("Days not covered: {days}", { days: e.uncovered.join("; ") }) }));
    }
    if (e.bridged.length) {
      block.append(el("p", { text: t("Days bridged by a bridge letter: {days}", { days: e.bridged.join("; ") }) }));
    }
    const piece = e.evidence !== null ? data.evidence[e.evidence] : null;
    if (piece) {
      const facts = el("dl", { class: "facts evidence" }, [
        ...row(t("Evidence"), piece.id),
        ...row(t("Scheme"), piece.scheme),
        ...row(t("Holder"), piece.holderName + " (" + piece.holder + ")"),
        ...(piece.when ? row(t("Dates"), piece.when) : []),
        ...(piece.issuer ? row(t("Issuer"), piece.issuer) : []),
        ...row(t("Document seen"), piece.verification),
      ]);
      block.append(facts);
      if (piece.document && /^(https?:\/\/|\/)/.test(piece.document)) {
        block.append(
          el("p", {}, [
            el("a", { href: piece.document, class: "document", text: t("Open the document") + (piece.documentName ? " (" + piece.documentName + ")" : "") }),
          ])
        );
      } else if (piece.documentName) {
        block.append(el("p", { class: "muted", text: t("Document: {name}", { name: piece.documentName }) }));
      }
    } else if (e.evidence !== null) {
      block.append(el("p", { text: t("Evidence: {id}", { id: e.evidence }) }));
    }
    return block;
  }

  // ---- search -------------------------------------------------------------------------------

  const searchable = data.nodes.map((n) => ({
    id: n.id,
    text: (n.name + "\n" + n.id + "\n" + (n.supplierName || "") + "\n" + (n.supplier || "")).toLowerCase(),
  }));

  function search(term) {
    const needle = term.trim().toLowerCase();
    clear(searchResults);
    if (!needle) {
      searchStatus.textContent = "";
      return [];
    }
    const hits = searchable.filter((s) => s.text.includes(needle)).map((s) => s.id);
    searchStatus.textContent = hits.length ? t("{services} found", { services: plural(hits.length, "service") }) : t("No service found");
    for (const id of hits.slice(0, SEARCH_HITS)) {
      const n = nodesById.get(id);
      searchResults.append(el("li", {}, [nodeButton(id, n.name + " \u2014 " + supplierOf(n))]));
    }
    return hits;
  }
  searchInput.addEventListener("input", () => search(searchInput.value));
  searchInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      const hits = search(searchInput.value);
      if (hits.length) {
        selectNode(hits[0]);
      }
    }
  });

  // ---- the table of links: sortable, filterable, keyboard-navigable -------------------------

  function buildTable() {
    const columns = [
      { key: "rank", label: t("Rank"), numeric: true },
      { key: "from", label: t("From") },
      { key: "to", label: t("To") },
      { key: "supplier", label: t("Supplier") },
      { key: "kind", label: t("Kind") },
      { key: "status", label: t("Status") },
      { key: "verdict", label: t("Verdict") },
      { key: "evidence", label: t("Evidence") },
    ];
    const statusOrder = new Map(data.statuses.map((s, i) => [s.id, i]));
    // The rows are made when the table is first filled, after the graph's first drawing.
    let rows = null;
    const makeRows = () => data.edges.map((e) => {
      const to = nodesById.get(e.to);
      const values = {
        rank: e.rank,
        from: nameOf(e.from),
        to: nameOf(e.to),
        supplier: to ? supplierOf(to) : "",
        kind: to ? kindLabel(to.kind) : "",
        status: statusLabel(e.status),
        verdict: e.verdict,
        evidence: e.evidence === null ? "\u2014" : e.evidence,
      };
      const from = nodesById.get(e.from);
      return {
        edge: e,
        values: values,
        text: Object.values(values).join("\n").toLowerCase(),
        fromKind: from ? from.kind : null,
        toKind: to ? to.kind : null,
      };
    });
    const sort = { key: "rank", ascending: true };
    let visible = [];
    let page = 0;
    let active = 0;

    const filterInput = el("input", { type: "search", id: "table-filter", autocomplete: "off", placeholder: t("any text in a row") });
    const caption = el("caption", {});
    const headRow = el("tr", {});
    const headers = columns.map((c) => {
      const th = el("th", { scope: "col", "data-key": c.key }, [
        el("button", { type: "button", class: "sort", text: c.label, onclick: () => sortBy(c.key) }),
      ]);
      headRow.append(th);
      return th;
    });
    const body = el("tbody", {});
    const info = el("span", { class: "pager-info", role: "status" });
    const previous = el("button", { type: "button", id: "table-previous", text: t("Previous page"), onclick: () => goPage(page - 1, 0) });
    const next = el("button", { type: "button", id: "table-next", text: t("Next page"), onclick: () => goPage(page + 1, 0) });
    const section = el("section", { class: "graph-table", "aria-labelledby": "graph-table-title" }, [
      el("h2", { id: "graph-table-title", text: t("Links") }),
      el("p", { class: "muted", text: t("The same links as the graph, following its status, kind and rank filters. Arrow keys move between rows; Enter shows a row's link in the panel.") }),
      el("p", {}, [el("label", { for: "table-filter", text: t("Filter the table") }), " ", filterInput]),
      el("div", { class: "wide" }, [el("table", { id: "graph-table" }, [caption, el("thead", {}, [headRow]), body])]),
      el("p", { class: "pager" }, [previous, " ", info, " ", next]),
    ]);

    function compare(a, b) {
      const x = a.values[sort.key];
      const y = b.values[sort.key];
      let order;
      if (sort.key === "status") {
        order = statusOrder.get(a.edge.status) - statusOrder.get(b.edge.status);
      } else if (typeof x === "number") {
        order = x - y;
      } else {
        order = String(x).localeCompare(String(y), "en");
      }
      if (!sort.ascending) {
        order = -order;
      }
      return order || a.edge.id - b.edge.id;
    }

    function sortBy(key) {
      sort.ascending = sort.key === key ? !sort.ascending : true;
      sort.key = key;
      ordered = null;
      update();
    }

    // Every row in the order asked for, sorted once per order: a filter keeps the order, so
    // filtering 20,000 links sorts none of them again.
    let ordered = null;
    function update() {
      const needle = filterInput.value.trim().toLowerCase();
      if (ordered === null) {
        rows = rows || makeRows();
        ordered = rows.slice().sort(compare);
      }
      visible = ordered.filter(
        (r) =>
          state.status.has(r.edge.status) &&
          r.edge.rank <= state.depth &&
          (r.fromKind === null || state.kind.has(r.fromKind)) &&
          (r.toKind === null || state.kind.has(r.toKind)) &&
          (!needle || r.text.includes(needle))
      );
      for (const th of headers) {
        const key = th.getAttribute("data-key");
        th.setAttribute("aria-sort", key === sort.key ? (sort.ascending ? "ascending" : "descending") : "none");
      }
      goPage(Math.min(page, Math.max(0, Math.ceil(visible.length / PAGE) - 1)), null);
    }

    function goPage(number, focusRow) {
      const pages = Math.max(1, Math.ceil(visible.length / PAGE));
      page = Math.max(0, Math.min(number, pages - 1));
      clear(body);
      const slice = visible.slice(page * PAGE, page * PAGE + PAGE);
      active = focusRow === null ? Math.min(active, Math.max(0, slice.length - 1)) : focusRow;
      slice.forEach((r, i) => {
        const tr = el(
          "tr",
          {
            tabindex: i === active ? "0" : "-1",
            class: "status-" + r.edge.status,
            "data-edge": String(r.edge.id),
            onclick: () => {
              setActive(i, true);
              fromTable(r.edge.id);
            },
          },
          columns.map((c) =>
            c.key === "status"
              ? el("td", {}, [el("span", { class: "status-word status-" + r.edge.status, text: String(r.values[c.key]) })])
              : el("td", {}, unbroken(String(r.values[c.key])))
          )
        );
        body.append(tr);
      });
      if (!slice.length) {
        body.append(el("tr", {}, [el("td", { colspan: String(columns.length), class: "muted", text: t("No link matches.") })]));
      }
      const first = visible.length ? page * PAGE + 1 : 0;
      info.textContent = t("Links {first}\u2013{last} of {total}", { first: first, last: page * PAGE + slice.length, total: thousands(visible.length) });
      caption.textContent = t(sort.ascending ? "{links} of {total}, sorted by {column}" : "{links} of {total}, sorted by {column}, descending", { links: plural(visible.length, "link"), total: thousands(data.edges.length), column: columns.find((c) => c.key === sort.key).label.toLowerCase() });
      previous.disabled = page === 0;
      next.disabled = page >= pages - 1;
      // one page: no buttons that lead nowhere, only the count
      previous.hidden = pages <= 1;
      next.hidden = pages <= 1;
      if (focusRow !== null && body.rows[active] && body.rows[active].hasAttribute("data-edge")) {
        body.rows[active].focus();
      }
    }

    function setActive(index, focus) {
      const list = body.rows;
      if (!list.length) {
        return;
      }
      index = Math.max(0, Math.min(index, list.length - 1));
      if (list[active]) {
        list[active].setAttribute("tabindex", "-1");
      }
      active = index;
      list[active].setAttribute("tabindex", "0");
      if (focus) {
        list[active].focus();
      }
    }

    body.addEventListener("keydown", (ev) => {
      const count = body.rows.length;
      const pages = Math.ceil(visible.length / PAGE);
      let handled = true;
      if (ev.key === "ArrowDown") {
        if (active === count - 1 && page < pages - 1) {
          goPage(page + 1, 0);
        } else {
          setActive(active + 1, true);
        }
      } else if (ev.key === "ArrowUp") {
        if (active === 0 && page > 0) {
          goPage(page - 1, PAGE - 1);
        } else {
          setActive(active - 1, true);
        }
      } else if (ev.key === "Home") {
        setActive(0, true);
      } else if (ev.key === "End") {
        setActive(count - 1, true);
      } else if (ev.key === "PageDown") {
        goPage(page + 1, 0);
      } else if (ev.key === "PageUp") {
        goPage(page - 1, 0);
      } else if (ev.key === "Enter" || ev.key === " ") {
        const tr = body.rows[active];
        if (tr && tr.hasAttribute("data-edge")) {
          fromTable(Number(tr.getAttribute("data-edge")));
        }
      } else {
        handled = false;
      }
      if (handled) {
        ev.preventDefault();
      }
    });
    filterInput.addEventListener("input", () => {
      page = 0;
      active = 0;
      update();
    });
    caption.textContent = plural(data.edges.length, "link");
    return { section: section, refresh: update };
  }

  // Everything starts shown: the first drawing needs no update of the DataSets.
  for (const n of data.nodes) {
    shown.nodes.set(n.id, true);
  }
  for (const e of data.edges) {
    shown.edges.set(e.id, true);
  }
})();
