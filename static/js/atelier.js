// Small behaviours of the conversation page. htmx does the requests; this file only helps the form.

const composer = () => document.getElementById("composer");

// Elapsed time of running turns, ticking once a second.
function tickElapsed() {
  const now = Date.now() / 1000;
  for (const el of document.querySelectorAll("[data-elapsed-since]")) {
    const started = Number(el.dataset.elapsedSince);
    if (started) el.textContent = `${Math.max(0, now - started).toFixed(0)} s`;
  }
}
setInterval(tickElapsed, 1000);

// "Branch from here": the next prompt is sent with that turn's response id.
document.addEventListener("click", (event) => {
  const branch = event.target.closest("[data-branch-from]");
  if (branch) {
    const form = composer();
    form.querySelector("#id_parent").value = branch.dataset.branchFrom;
    const chip = form.querySelector("#branch-chip");
    chip.hidden = false;
    const prompt = branch.closest(".turn")?.querySelector(".turn-prompt p")?.textContent ?? "";
    chip.querySelector("span").textContent = `Branching from “${prompt.slice(0, 60)}${prompt.length > 60 ? "…" : ""}”`;
    form.querySelector("#id_prompt").focus();
  }
  if (event.target.closest("[data-clear-branch]")) clearBranch();
});

function clearBranch() {
  const form = composer();
  if (!form) return;
  form.querySelector("#id_parent").value = "";
  form.querySelector("#branch-chip").hidden = true;
}

// After a turn is accepted, empty the prompt (the options stay) and scroll the new turn into view.
document.addEventListener("htmx:after:request", (event) => {
  const form = event.target.closest?.("#composer");
  const ctx = event.detail?.ctx;
  if (!form || !ctx || ctx.response?.status >= 400) return;
  form.querySelector("#id_prompt").value = "";
  clearBranch();
  requestAnimationFrame(() => document.querySelector("#turns > .turn:last-child")?.scrollIntoView({ behavior: "smooth", block: "end" }));
});

// Ctrl/Cmd+Enter in a prompt sends it (by the form's main button). In the conversation's composer Enter alone
// sends too and Shift+Enter makes a new line; in the Studio, where a run costs more, Enter is a new line.
document.addEventListener("keydown", (event) => {
  if (event.target.id !== "id_prompt" || event.key !== "Enter" || event.isComposing) return;
  const send = event.ctrlKey || event.metaKey || (!event.shiftKey && event.target.closest("#composer"));
  if (!send) return;
  event.preventDefault();
  const form = event.target.form;
  form.requestSubmit(form.querySelector("button[type=submit].btn-primary") ?? undefined);
});

// Live size validation with the server's own rules, and a one-click "use nearest valid size".
let sizeTimer;
document.addEventListener("input", (event) => {
  if (!event.target.matches("#id_size, #id_model")) return;
  clearTimeout(sizeTimer);
  sizeTimer = setTimeout(() => checkSize(event.target.form), 200);
});

async function checkSize(form) {
  const input = form.querySelector("#id_size");
  const feedback = form.querySelector("#size-feedback");
  const params = new URLSearchParams({ model: form.querySelector("#id_model").value, size: input.value });
  const response = await fetch(`${form.dataset.sizeCheckUrl}?${params}`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const result = await response.json();
  feedback.replaceChildren();
  input.setAttribute("aria-invalid", String(!result.ok));
  if (result.ok) {
    feedback.textContent = result.experimental ? "Valid (experimental above 2560x1440: slower)" : "Valid size";
    return;
  }
  const message = document.createElement("span");
  message.className = "field-error";
  message.textContent = result.errors.join(" ");
  feedback.append(message);
  if (result.nearest) {
    const fix = document.createElement("button");
    fix.type = "button";
    fix.className = "btn btn-small btn-quiet";
    fix.textContent = `Use ${result.nearest}`;
    fix.addEventListener("click", () => { input.value = result.nearest; checkSize(form); });
    feedback.append(" ", fix);
  }
}

// Before/after compare of an edit: the slider moves the split.
document.addEventListener("input", (event) => {
  if (event.target.matches("[data-compare]")) {
    event.target.closest(".compare").style.setProperty("--split", `${event.target.value}%`);
  }
});
