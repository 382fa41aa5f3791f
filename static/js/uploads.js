// Uploads by drag and drop and by paste, on any page, from generic markup: a form with a visible file input
// (or the one marked `data-drop-target`) becomes a drop zone for it. Dropped or pasted images are put in the
// input's files (appended when it takes several), then `input` and `change` are dispatched, so the page reacts
// as if they had been chosen in the file picker. Mark an input `data-no-drop` to leave it alone, and give it
// `data-drop-hint` to say something else than "Drop images here, or paste them" beside it.
// Listeners sit on the document: htmx may swap a form whole.

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];

// The file input that takes dropped and pasted images in `form`, or null.
function dropInput(form) {
  if (!(form instanceof HTMLFormElement)) return null;
  const marked = form.querySelector("input[type=file][data-drop-target]");
  if (marked) return marked;
  return [...form.querySelectorAll("input[type=file]:not([data-no-drop])")].find((input) => !input.hidden) ?? null;
}

function accepted(input, file) {
  const accept = input.accept.split(",").map((type) => type.trim()).filter(Boolean);
  if (!accept.length) return IMAGE_TYPES.includes(file.type);
  return accept.some((type) => type === file.type || (type.endsWith("/*") && file.type.startsWith(type.slice(0, -1))));
}

function addFiles(input, files) {
  const images = [...files].filter((file) => accepted(input, file));
  if (!images.length) return false;
  const chosen = new DataTransfer();
  if (input.multiple) for (const file of input.files) chosen.items.add(file);
  for (const file of input.multiple ? images : images.slice(0, 1)) chosen.items.add(file);
  input.files = chosen.files;
  input.closest("details")?.setAttribute("open", "");
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
  return true;
}

// The hint beside each drop input, added once (and again after htmx swaps a form in).
function addHints() {
  for (const form of document.forms) {
    const input = dropInput(form);
    if (!input || "dropZone" in form.dataset) continue;
    form.dataset.dropZone = "";
    const hint = document.createElement("p");
    hint.className = "drop-hint";
    hint.textContent = input.dataset.dropHint
      ?? (input.multiple ? "Drop images here, or paste them" : "Drop an image here, or paste it");
    input.after(hint);
  }
}

const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
const zoneOf = (event) => (event.target instanceof Element ? event.target.closest("form[data-drop-zone]") : null);

let dragDepth = 0;
function clearDragging() {
  dragDepth = 0;
  for (const form of document.querySelectorAll("form[data-dragging]")) delete form.dataset.dragging;
}

document.addEventListener("dragenter", (event) => {
  const form = zoneOf(event);
  if (!form || !hasFiles(event)) return;
  dragDepth += 1;
  form.dataset.dragging = "";
});
document.addEventListener("dragover", (event) => {
  if (!zoneOf(event) || !hasFiles(event)) return;
  event.preventDefault();  // allows the drop
  event.dataTransfer.dropEffect = "copy";
});
document.addEventListener("dragleave", (event) => {
  if (!zoneOf(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) clearDragging();
});
document.addEventListener("drop", (event) => {
  const form = zoneOf(event);
  clearDragging();
  if (!form || !event.dataTransfer?.files.length) return;
  event.preventDefault();
  addFiles(dropInput(form), event.dataTransfer.files);
});

// Paste: into the form that has focus, else the page's only drop zone.
document.addEventListener("paste", (event) => {
  const files = event.clipboardData?.files;
  if (!files?.length) return;
  const zones = document.querySelectorAll("form[data-drop-zone]");
  const focused = document.activeElement?.closest?.("form[data-drop-zone]");
  const form = focused ?? (zones.length === 1 ? zones[0] : null);
  if (form && addFiles(dropInput(form), files)) event.preventDefault();
});

addHints();
document.addEventListener("htmx:after:swap", addHints);
