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

document.addEventListener("change", (event) => {
  if (!event.target.closest("#studio-form")) return;
  if (event.target.id === "id_model") offerTransparency();
  if (event.target.id === "id_images") countUploads();
});
// After htmx swaps a new form in (errors), set it up again.
document.addEventListener("htmx:after:swap", offerTransparency);
offerTransparency();
