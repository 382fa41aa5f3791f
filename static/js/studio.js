// The Studio form: options the model cannot take not offered, and the upload count the live estimate needs.
// Listeners sit on the document: the form is swapped whole when the server sends it back with errors.

const studioForm = () => document.getElementById("studio-form");

// The estimate itself is htmx (#estimate re-asks the server as the form changes); it counts the chosen uploads
// from this hidden field, which a file input cannot fill by itself.
function countUploads() {
  const form = studioForm();
  if (form) form.querySelector("#id_upload_count").value = String(form.querySelector("#id_images")?.files.length ?? 0);
}

function offerTransparency() {
  const form = studioForm();
  if (!form) return;
  const background = form.querySelector("#id_background");
  const allowed = background.dataset.transparentModels.split(" ").includes(form.querySelector("#id_model").value);
  const option = background.querySelector('option[value="transparent"]');
  option.disabled = !allowed;
  if (!allowed && background.value === "transparent") background.value = "auto";
  form.querySelector("[data-transparency-note]").hidden = allowed;
}

// Compression applies to JPEG and WebP only: for PNG the field is off (and sends nothing), not a stale "100".
function offerCompression() {
  const form = studioForm();
  if (!form) return;
  const compression = form.querySelector("#id_output_compression");
  compression.disabled = form.querySelector("#id_output_format").value === "png";
}

function setUpForm() {
  offerTransparency();
  offerCompression();
}

document.addEventListener("change", (event) => {
  if (!event.target.closest("#studio-form")) return;
  if (event.target.id === "id_model") offerTransparency();
  if (event.target.id === "id_output_format") offerCompression();
  if (event.target.id === "id_images") countUploads();
});
// After htmx swaps a new form in (errors), set it up again.
document.addEventListener("htmx:after:swap", setUpForm);
setUpForm();

// Enter in the prompt makes a new line and never starts a paid run; Ctrl+Enter (Cmd+Enter on a Mac) generates.
// Enter in the option fields does not submit either. This listens in the capture phase, ahead of the
// conversation page's "Enter sends" (atelier.js), which must not reach the Studio's prompt.
document.addEventListener("keydown", (event) => {
  const form = event.target.closest?.("#studio-form");
  if (!form || event.key !== "Enter" || event.isComposing) return;
  if (event.ctrlKey || event.metaKey) {
    event.preventDefault();
    event.stopPropagation();
    form.requestSubmit(form.querySelector('button[value="generate"]'));
    return;
  }
  if (event.target.matches("textarea")) event.stopPropagation(); // a new line, as in any text area
  else if (event.target.matches("input")) event.preventDefault(); // no implicit submission
}, true);

// Finalize: the form of the picked image (or the re-run) opens under its card; Cancel closes it.
document.addEventListener("click", (event) => {
  const cancel = event.target.closest("[data-finalize-cancel]");
  if (!cancel) return;
  const slot = cancel.closest(".finalize-slot");
  if (slot) slot.replaceChildren();
  else history.back(); // the page of its own (an image opened from elsewhere)
});
// A newly shown Finalize form (opened, or sent back with a message) comes into view with its size focused.
document.addEventListener("htmx:after:swap", () => {
  const form = document.querySelector(".finalize-form:not([data-shown])");
  if (!form) return;
  form.dataset.shown = "";
  form.scrollIntoView({ block: "nearest" });
  form.querySelector("input[name=size]")?.focus({ preventScroll: true });
});

// Generate and Draft answer with the new job's card, put first in the results. On a phone the form fills the
// screen and that card lands far below it: while the request is out, the pressed button shows it is working;
// then the card comes into view, unless it is there already (a desktop, with the results beside the form).
const isStudioSubmit = (event) => event.detail.ctx?.sourceElement?.id === "studio-form";

document.addEventListener("htmx:before:request", (event) => {
  if (isStudioSubmit(event)) event.detail.ctx.request.submitter?.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:finally:request", (event) => {
  if (isStudioSubmit(event)) event.detail.ctx.request.submitter?.removeAttribute("aria-busy");
});

function isMostlyInView(element) {
  const rect = element.getBoundingClientRect();
  const top = document.querySelector(".topbar")?.getBoundingClientRect().bottom ?? 0;
  const shown = Math.min(rect.bottom, window.innerHeight) - Math.max(rect.top, top);
  return rect.top >= top && shown >= Math.min(rect.height, window.innerHeight / 2);
}

document.addEventListener("htmx:after:swap", (event) => {
  if (!isStudioSubmit(event) || event.detail.ctx.target?.id !== "jobs") return; // a form sent back with errors
  const card = event.detail.ctx.target.querySelector(".job-item");
  if (!card || isMostlyInView(card)) return;
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  card.scrollIntoView({ behavior: still ? "instant" : "smooth", block: "start" });
});
