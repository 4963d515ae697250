// The local UID2 Portal's behaviour in the browser: the sharing page's bulk
// box, participant search, permissions table and confirmation dialogs, and
// copying new API credentials. Every change is still an ordinary form post;
// this only helps choose what to post.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const plural = (n, one, many) => (n === 1 ? "1 " + one : n + " " + many);

  // Dialogs: [data-close] closes its dialog; focus goes back to what opened it.
  let opener = null;
  function openDialog(dialog) {
    opener = document.activeElement;
    dialog.showModal();
  }
  $$("dialog").forEach((d) => {
    d.addEventListener("close", () => { if (opener) { opener.focus(); opener = null; } });
  });
  $$("[data-close]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));

  // data-confirm on a form (submit) or a link (follow) asks first.
  const confirmDialog = $("#confirm-dialog");
  let confirmed = null;
  if (confirmDialog) {
    $("#confirm-yes").addEventListener("click", () => { confirmDialog.close(); if (confirmed) confirmed(); });
    $$("[data-confirm]").forEach((el) => {
      const ask = (e, go) => {
        e.preventDefault();
        $("#confirm-text").textContent = el.dataset.confirm;
        confirmed = go;
        openDialog(confirmDialog);
      };
      if (el.tagName === "FORM") el.addEventListener("submit", (e) => ask(e, () => el.submit()));
      else el.addEventListener("click", (e) => ask(e, () => { window.location.href = el.href; }));
    });
  }

  // Copy buttons for the credentials shown once.
  $$("[data-copy]").forEach((b) => b.addEventListener("click", () => {
    const input = document.getElementById(b.dataset.copy);
    input.select();
    if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(() => { b.textContent = "Copied"; }, () => {});
  }));

  // Bulk: Save only when the ticked types differ from the saved ones; the
  // warnings; View Participants for the ticked types.
  const bulk = $("#bulk-form");
  if (bulk) {
    const saved = bulk.dataset.saved.split(" ").filter(Boolean);
    const recommend = bulk.dataset.recommend === "true";
    const publisher = bulk.dataset.publisher === "true";
    const boxes = $$("input[name=type]", bulk);
    const viewBtn = $("#view-participants");
    const table = $("#bulk-participants");
    const update = () => {
      const ticked = boxes.filter((b) => b.checked).map((b) => b.value);
      const same = ticked.length === saved.length && ticked.every((t) => saved.includes(t));
      $("#save-types").disabled = same && !recommend;
      $("#warn-remove-type").hidden = recommend || !saved.some((t) => !ticked.includes(t));
      $("#warn-publisher-dsp").hidden = !(publisher && !ticked.includes("dsp") && (saved.includes("dsp") || recommend));
      viewBtn.hidden = ticked.length === 0;
      if (ticked.length === 0) { table.hidden = true; viewBtn.setAttribute("aria-expanded", "false"); viewBtn.textContent = "View Participants"; }
      $$("tbody tr", table).forEach((tr) => {
        tr.hidden = !tr.dataset.types.split(" ").some((t) => ticked.includes(t));
      });
    };
    boxes.forEach((b) => b.addEventListener("change", update));
    viewBtn.addEventListener("click", () => {
      table.hidden = !table.hidden;
      viewBtn.setAttribute("aria-expanded", String(!table.hidden));
      viewBtn.textContent = table.hidden ? "View Participants" : "Hide Participants";
    });
    update();
  }

  // Individual: the search dropdown opens on click or typing and closes when
  // the text is cleared or focus leaves it; chips filter by type (any of the
  // pressed ones); selections persist while it is closed.
  const addForm = $("#add-form");
  if (addForm) {
    const box = $("#participant-search");
    const input = $("#search-participants");
    const dropdown = $("#search-dropdown");
    const rows = $$("#candidate-list li");
    const chips = $$(".chip", dropdown);
    const all = $("#select-all-candidates");
    const addBtn = $("#add-permissions");
    const open = (yes) => { dropdown.hidden = !yes; input.setAttribute("aria-expanded", String(yes)); };
    const visible = () => rows.filter((r) => !r.hidden);
    const checked = () => rows.map((r) => $("input", r)).filter((c) => c.checked);
    const refresh = () => {
      const q = input.value.trim().toLowerCase();
      const types = chips.filter((c) => c.getAttribute("aria-pressed") === "true").map((c) => c.dataset.type);
      rows.forEach((r) => {
        const byName = r.dataset.name.toLowerCase().includes(q);
        const byType = types.length === 0 || r.dataset.types.split(" ").some((t) => types.includes(t));
        r.hidden = !(byName && byType);
      });
      const vis = visible();
      const n = vis.filter((r) => $("input", r).checked).length;
      $("#candidate-count").textContent = vis.length;
      $("#no-candidates").hidden = vis.length > 0;
      all.checked = vis.length > 0 && n === vis.length;
      all.indeterminate = n > 0 && n < vis.length;
      const sel = checked().length;
      $("#selected-count").textContent = plural(sel, "Participant", "Participants") + " selected";
      addBtn.disabled = sel === 0;
    };
    input.addEventListener("click", () => { open(true); refresh(); });
    input.addEventListener("input", () => { open(input.value !== ""); refresh(); });
    input.addEventListener("keydown", (e) => { if (e.key === "Escape") open(false); });
    box.addEventListener("focusout", (e) => { if (!box.contains(e.relatedTarget)) open(false); });
    chips.forEach((c) => c.addEventListener("click", () => {
      c.setAttribute("aria-pressed", String(c.getAttribute("aria-pressed") !== "true"));
      refresh();
    }));
    all.addEventListener("change", () => { visible().forEach((r) => { $("input", r).checked = all.checked; }); refresh(); });
    rows.forEach((r) => $("input", r).addEventListener("change", refresh));
    addBtn.addEventListener("click", () => {
      const list = $("#add-dialog-list");
      list.replaceChildren(...checked().map((c) => { const li = document.createElement("li"); li.textContent = c.dataset.name; return li; }));
      openDialog($("#add-dialog"));
    });
    refresh();
  }

  // Your Sharing Permissions: search, type filter, sort, select, delete.
  const delForm = $("#delete-form");
  if (delForm) {
    const tbody = $("#permissions-table tbody");
    const rows = $$("tr", tbody);
    const search = $("#search-permissions");
    const filters = $$("#type-filter input");
    const all = $("#select-all-permissions");
    const delBtn = $("#delete-selected");
    const box = (r) => $("input[name=site]", r);
    const deletable = () => rows.filter((r) => !r.hidden && box(r));
    const refresh = () => {
      const q = search.value.trim().toLowerCase();
      const types = filters.filter((f) => f.checked);
      $("#type-filter-label").textContent = "Participant Type: " + (types.length ? types.map((f) => f.dataset.label).join(", ") : "All");
      const want = types.map((f) => f.value);
      rows.forEach((r) => {
        const byName = r.dataset.name.toLowerCase().includes(q);
        const byType = want.length === 0 || r.dataset.types.split(" ").some((t) => want.includes(t));
        r.hidden = !(byName && byType);
      });
      $("#no-permissions-match").hidden = rows.some((r) => !r.hidden);
      const d = deletable();
      const n = d.filter((r) => box(r).checked).length;
      all.checked = d.length > 0 && n === d.length;
      all.indeterminate = n > 0 && n < d.length;
      all.disabled = d.length === 0;
      delBtn.hidden = rows.filter((r) => box(r) && box(r).checked).length === 0;
    };
    search.addEventListener("input", refresh);
    filters.forEach((f) => f.addEventListener("change", refresh));
    all.addEventListener("change", () => { deletable().forEach((r) => { box(r).checked = all.checked; }); refresh(); });
    rows.forEach((r) => { if (box(r)) box(r).addEventListener("change", refresh); });
    $$("button.sort").forEach((b) => b.addEventListener("click", () => {
      const th = b.closest("th");
      const dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      $$("th[aria-sort]").forEach((h) => h.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", dir);
      const key = b.dataset.sort;
      rows.sort((x, y) => x.dataset[key].localeCompare(y.dataset[key], undefined, { sensitivity: "base" }) * (dir === "ascending" ? 1 : -1));
      tbody.append(...rows);
    }));
    const confirmDelete = () => {
      const list = $("#delete-dialog-list");
      list.replaceChildren(...rows.filter((r) => box(r) && box(r).checked).map((r) => {
        const li = document.createElement("li");
        li.textContent = r.dataset.name + (r.dataset.bulk ? " (This site will remain shared by " + r.dataset.bulk + ")" : "");
        return li;
      }));
      openDialog($("#delete-dialog"));
    };
    delBtn.addEventListener("click", confirmDelete);
    $$("button[data-delete]", tbody).forEach((b) => b.addEventListener("click", () => {
      rows.forEach((r) => { if (box(r)) box(r).checked = r.dataset.id === b.dataset.delete; });
      refresh();
      confirmDelete();
    }));
    refresh();
  }
})();
