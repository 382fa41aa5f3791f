// The Studio form: a live cost estimate as options change, and options the model cannot take not offered.
// Listeners sit on the document: the form is swapped whole when the server sends it back with errors.

const studioForm = () => document.getElementById("studio-form");

function estimateQuery(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && name !== "csrfmiddlewaretoken") params.append(name, value);
  }
  params.set("upload_count", String(form.querySelector("#id_images")?.files.length ?? 0));
  return params;
}

async function refreshEstimate() {
  const form = studioForm();
  const box = form?.querySelector("#estimate");
  if (!box) return;
  const response = await fetch(`${box.dataset.estimateUrl}?${estimateQuery(form)}`);
  if (response.ok) box.innerHTML = await response.text();
}

function offerTransparency() {
  const form = studioForm();
  if (!form) return;
  const background = form.querySelector("#id_background");
  const allowed = background.dataset.transparentModels.split(" ").includes(form.querySelector("#id_model").value);
  const option = background.querySelector("[data-needs-transparency]");
  option.disabled = !allowed;
  if (!allowed && background.value === "transparent") background.value = "auto";
  form.querySelector("[data-transparency-note]").hidden = allowed;
}

let estimateTimer;
function scheduleEstimate(delay) {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(refreshEstimate, delay);
}

document.addEventListener("input", (event) => { if (event.target.closest("#studio-form")) scheduleEstimate(200); });
document.addEventListener("change", (event) => {
  if (!event.target.closest("#studio-form")) return;
  if (event.target.id === "id_model") offerTransparency();
  scheduleEstimate(50);
});
// After htmx swaps a new form in (errors), set it up again.
document.addEventListener("htmx:after:swap", () => { offerTransparency(); scheduleEstimate(0); });
offerTransparency();
refreshEstimate();
