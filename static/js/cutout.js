// Remove background: the matte slider's value shown beside its label, and colour swatches painted from their
// data attributes (the CSP allows no inline style). The preview itself is htmx: the server keys the image out.

function paintSwatches(root) {
  for (const swatch of root.querySelectorAll("[data-swatch]")) swatch.style.backgroundColor = swatch.dataset.swatch;
}

document.addEventListener("input", (event) => {
  if (event.target.id !== "id_tightness") return;
  const output = document.querySelector("[data-tightness-value]");
  if (output) output.value = event.target.value;
});

paintSwatches(document);
