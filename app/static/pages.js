// The small behaviour of the register pages (no inline handlers: the CSP allows scripts from
// this site only): a print button, a reload that does not send a form again, the focus on
// a form's first error, and on the entity forms "Add"/"Remove" buttons for
// repeatable rows and a filter over long lists of check boxes. Without this script the forms
// still work: each repeatable group has one blank row, and every check box is shown.
"use strict";
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// An answer shown only once (a new invitation's link, of which only a hash is kept): its
// entry in the history becomes the page's own address, so that a reload asks for the page
// and does not send the form again (a second invitation). The link stays on screen.
const once = document.querySelector("[data-shown-once]");
if (once) {
  history.replaceState(null, "", once.getAttribute("data-shown-once"));
}

// A form sent back with errors opens at the page's top, often far above them (the evidence
// form's dates lie a screen or two down): the first field in error, else the form's own
// message, gets the focus, which brings it into view and lets a screen reader read it.
const wrong = document.querySelector("form [aria-invalid=true]") || document.querySelector(".message.error[role=alert]");
if (wrong) {
  if (!wrong.matches("input, select, textarea, button")) {
    wrong.setAttribute("tabindex", "-1");
  }
  wrong.focus();
}

// Repeatable rows: <fieldset data-rows data-next> holding .row-list, a <template> of one row
// whose names and ids carry "__i__" for its index, and a hidden button.add-row.
document.querySelectorAll("fieldset[data-rows]").forEach((group) => {
  const list = group.querySelector(".row-list");
  const template = group.querySelector("template");
  const add = group.querySelector("button.add-row");
  if (!list || !template || !add) {
    return;
  }
  const wire = (row) => {
    const remove = row.querySelector("button.remove-row");
    if (!remove) {
      return;
    }
    remove.hidden = false;
    remove.addEventListener("click", () => {
      row.remove();
      add.focus();
    });
  };
  list.querySelectorAll(".row").forEach(wire);
  add.hidden = false;
  add.addEventListener("click", () => {
    const index = String(Number(group.dataset.next || "0"));
    group.dataset.next = String(Number(index) + 1);
    const copy = template.content.cloneNode(true);
    copy.querySelectorAll("[name], [id], [for]").forEach((element) => {
      ["name", "id", "for"].forEach((attribute) => {
        const value = element.getAttribute(attribute);
        if (value !== null) {
          element.setAttribute(attribute, value.replaceAll("__i__", index));
        }
      });
    });
    const row = copy.querySelector(".row");
    list.append(copy);
    if (row) {
      wire(row);
      const first = row.querySelector("input:not([type=hidden])");
      if (first) {
        first.focus();
      }
    }
  });
});

// A filter over a long list of check boxes: <input data-filter="ID-of-the-boxes">.
document.querySelectorAll("input[data-filter]").forEach((input) => {
  const boxes = document.getElementById(input.dataset.filter || "");
  const holder = input.closest(".box-filter");
  if (!boxes || !holder) {
    return;
  }
  holder.hidden = false;
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // filtering, not sending the form
    }
  });
  input.addEventListener("input", () => {
    const wanted = input.value.trim().toLowerCase();
    boxes.querySelectorAll(".box").forEach((box) => {
      const ticked = box.querySelector("input:checked") !== null;
      box.hidden = wanted !== "" && !ticked && !box.textContent.toLowerCase().includes(wanted);
    });
  });
});
