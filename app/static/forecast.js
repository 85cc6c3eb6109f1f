/*
 * ketenkaart: the graph page's forecast, "what changes next".
 *
 * The section #forecast names the API's forecast of this offering (data-url: GET
 * /api/v1/workspaces/{ws}/forecast?offering=...&at=...&profile=..., answered in the page's
 * language). Working it out takes a while on a large register, so the page is drawn first and
 * the forecast is asked for afterwards; until it comes the section says it is on its way.
 * It lists the changes of status in date order, the soonest first, each with the reason for
 * the new status, as a timeline: one entry per day and link. Services are named as the graph
 * names them (#graph-data), or on the report page by #forecast-names; every text goes in
 * through textContent, nothing is parsed as HTML.
 */
(function () {
  "use strict";

  const section = document.getElementById("forecast");
  if (!section) {
    return;
  }
  const SHOWN = 50;
  const WORDS = window.ketenkaartWords.words; // the page's words in its language (words.js)
  const t = window.ketenkaartWords.t;
  const unbroken = window.ketenkaartWords.unbroken; // dates and ids kept on one line
  const dataSource = document.getElementById("graph-data");
  const names = new Map();
  if (dataSource) {
    for (const node of JSON.parse(dataSource.textContent).nodes || []) {
      names.set(node.id, node.name);
    }
  }
  // the report page has no graph: it gives the names of the services it reaches by id
  const namesSource = document.getElementById("forecast-names");
  if (namesSource) {
    for (const [id, name] of Object.entries(JSON.parse(namesSource.textContent))) {
      names.set(id, name);
    }
  }
  function serviceName(id) {
    const name = names.get(id);
    return name && name !== id ? name + " (" + id + ")" : id;
  }
  function statusWord(status) {
    const w = (WORDS.statuses || {})[status];
    return w ? w.label : status;
  }
  // English pages write ISO dates, as the rest of the page; other languages their long form.
  const language = document.documentElement.lang || "en";
  const longDate =
    language === "en"
      ? null
      : new Intl.DateTimeFormat(language, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  function day(iso) {
    return longDate ? longDate.format(new Date(iso + "T00:00:00Z")) : iso;
  }
  const state = section.querySelector(".forecast-state");
  const list = section.querySelector(".forecast-list");

  function say(text) {
    state.textContent = text;
  }
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }
  function badge(status) {
    return el("span", { class: "status-word status-" + status }, statusWord(status));
  }

  function show(answer) {
    const changes = [];
    for (const link of answer.links) {
      let before = link.status;
      for (const change of link.changes) {
        changes.push({ on: change.on, from: link.from, to: link.to, before: before, change: change });
        before = change.status;
      }
    }
    changes.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
    if (!changes.length) {
      say(t("No link changes status within a year if no new evidence arrives."));
      section.dataset.ready = "true";
      return;
    }
    say(t("{n} changes of status within a year if no new evidence arrives, the soonest first:", { n: changes.length }));
    for (const item of changes.slice(0, SHOWN)) {
      // a link its consumer's report included: first why that report no longer does
      const lapsed = (item.change.inclusion_lapsed || []).map((r) => r.message);
      const lead = lapsed.length ? [t("The report of {consumer} that included it no longer counts:", { consumer: serviceName(item.from) })] : [];
      const why = lead.concat(lapsed, item.change.reasons.map((r) => r.message)).join(" ");
      list.append(
        el(
          "li",
          { class: "forecast-item" },
          el("time", { datetime: item.on }, day(item.on)),
          el(
            "p",
            { class: "forecast-link" },
            ...unbroken(serviceName(item.from) + " → " + serviceName(item.to) + ": "),
            badge(item.before),
            " → ",
            badge(item.change.status)
          ),
          why ? el("p", { class: "forecast-why" }, ...unbroken(why)) : ""
        )
      );
    }
    if (changes.length > SHOWN) {
      section.append(el("p", { class: "muted" }, t("and {n} more; the scoping report lists every change.", { n: changes.length - SHOWN })));
    }
    section.dataset.ready = "true";
  }

  fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((answer) => {
      if (answer.status === 503) {
        throw new Error(t("The service is busy; open the page again shortly."));
      }
      if (!answer.ok) {
        throw new Error(t("What changes next could not be worked out ({status}).", { status: answer.status }));
      }
      return answer.json();
    })
    .then(show)
    .catch((problem) => {
      say(problem.message);
      section.dataset.ready = "failed";
    });
})();
