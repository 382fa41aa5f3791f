// The text layer editor: the layers (the core's TextLayer dicts) live here while the page is open; every change
// is written as JSON into the form's hidden #id_layers and announced with a change event, on which htmx asks the
// server for its render (the picture under the boxes). The boxes are drawn over it in percentages of the image,
// placed from JS (the CSP allows no inline style). Pointer events move and resize them.

const editor = document.querySelector("[data-text-editor]");

if (editor) {
  const width = Number(editor.dataset.width);
  const height = Number(editor.dataset.height);
  const layers = JSON.parse(editor.dataset.layers || "[]");
  const field = document.getElementById("id_layers");
  const stage = document.getElementById("text-stage");
  const boxes = editor.querySelector("[data-boxes]");
  const picker = editor.querySelector("[data-layer-picker]");
  const controls = editor.querySelector("[data-layer-controls]");
  const PARTS = { outline: { width: 2, colour: "#000000" }, shadow: { dx: 3, dy: 3, blur: 4, colour: "#00000099" } };
  let selected = layers.length ? 0 : -1;

  stage.style.aspectRatio = `${width} / ${height}`;
  stage.style.setProperty("--ratio", String(width / height));

  const newLayer = () => ({
    text: "Your headline",
    x: Math.round(width * 0.1),
    y: Math.round(height * 0.06),
    width: Math.round(width * 0.8),
    height: Math.round(height * 0.2),
    font: "inter",
    size: Math.max(12, Math.round(height / 12)),
    weight: "bold",
    colour: "#ffffff",
    align: "center",
    valign: "middle",
    line_spacing: 1.2,
    letter_spacing: 0,
    outline: null,
    shadow: { ...PARTS.shadow },
  });

  const read = (layer, path) => path.split(".").reduce((value, key) => (value == null ? value : value[key]), layer);

  function write(layer, path, value) {
    const keys = path.split(".");
    const last = keys.pop();
    const owner = keys.reduce((value, key) => value[key], layer);
    if (owner != null) owner[last] = value;
  }

  function save() {
    field.value = JSON.stringify(layers);
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function place(box, layer) {
    box.style.left = `${(layer.x / width) * 100}%`;
    box.style.top = `${(layer.y / height) * 100}%`;
    box.style.width = `${(layer.width / width) * 100}%`;
    box.style.height = `${(layer.height / height) * 100}%`;
  }

  function drawBoxes() {
    boxes.replaceChildren(
      ...layers.map((layer, index) => {
        const box = document.createElement("div");
        box.className = index === selected ? "text-box is-selected" : "text-box";
        box.dataset.index = String(index);
        box.tabIndex = 0;
        box.setAttribute("role", "button");
        box.setAttribute("aria-label", `Text box ${index + 1}: ${layer.text.slice(0, 40)}`);
        const handle = document.createElement("span");
        handle.className = "text-box-handle";
        handle.dataset.resize = "";
        handle.setAttribute("aria-hidden", "true");
        box.append(handle);
        place(box, layer);
        return box;
      }),
    );
    picker.replaceChildren(
      ...layers.map((layer, index) => new Option(`${index + 1}. ${layer.text.slice(0, 30)}`, String(index), false, index === selected)),
    );
  }

  function fillControls() {
    const layer = layers[selected];
    controls.disabled = !layer;
    picker.disabled = !layer;
    editor.querySelector("[data-remove-layer]").disabled = !layer;
    if (!layer) return;
    for (const input of controls.querySelectorAll("[data-part]")) input.checked = layer[input.dataset.part] != null;
    for (const input of controls.querySelectorAll("[data-prop]")) {
      const value = read(layer, input.dataset.prop);
      input.disabled = value === undefined || value === null;
      if (input.disabled) continue;
      input.value = input.type === "color" ? String(value).slice(0, 7) : String(value);
    }
  }

  function refresh() {
    drawBoxes();
    fillControls();
  }

  function select(index) {
    selected = index;
    refresh();
  }

  controls.addEventListener("input", (event) => {
    const layer = layers[selected];
    const input = event.target;
    if (!layer) return;
    if (input.dataset.part) {
      layer[input.dataset.part] = input.checked ? { ...PARTS[input.dataset.part] } : null;
      fillControls();
    } else if (input.dataset.prop) {
      let value = input.value;
      if (input.dataset.type === "int") value = Number.parseInt(value, 10);
      if (input.dataset.type === "float") value = Number.parseFloat(value);
      if (typeof value === "number" && Number.isNaN(value)) return;
      const before = read(layer, input.dataset.prop);
      // A colour picker gives #rrggbb: keep the opacity the layer had (a shadow's 99, for instance).
      if (input.type === "color" && typeof before === "string" && before.length === 9) value += before.slice(7);
      write(layer, input.dataset.prop, value);
    }
    drawBoxes();
    save();
  });

  picker.addEventListener("change", () => select(Number(picker.value)));

  editor.querySelector("[data-add-layer]").addEventListener("click", () => {
    layers.push(newLayer());
    select(layers.length - 1);
    save();
  });

  editor.querySelector("[data-remove-layer]").addEventListener("click", () => {
    if (selected < 0) return;
    layers.splice(selected, 1);
    select(Math.min(selected, layers.length - 1));
    save();
  });

  // Moving and resizing: pointer deltas in screen pixels, scaled to image pixels.
  let drag = null;
  boxes.addEventListener("pointerdown", (event) => {
    const box = event.target.closest(".text-box");
    if (!box) return;
    event.preventDefault();
    const index = Number(box.dataset.index);
    if (index !== selected) select(index);
    const current = boxes.querySelector(`[data-index="${index}"]`);
    const layer = layers[index];
    drag = {
      box: current,
      layer,
      resize: event.target.hasAttribute("data-resize"),
      startX: event.clientX,
      startY: event.clientY,
      origin: { x: layer.x, y: layer.y, width: layer.width, height: layer.height },
      scale: width / stage.getBoundingClientRect().width,
    };
    current.setPointerCapture(event.pointerId);
  });

  boxes.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = Math.round((event.clientX - drag.startX) * drag.scale);
    const dy = Math.round((event.clientY - drag.startY) * drag.scale);
    if (drag.resize) {
      drag.layer.width = Math.max(8, drag.origin.width + dx);
      drag.layer.height = Math.max(8, drag.origin.height + dy);
    } else {
      drag.layer.x = drag.origin.x + dx;
      drag.layer.y = drag.origin.y + dy;
    }
    place(drag.box, drag.layer);
  });

  const endDrag = () => {
    if (!drag) return;
    const moved = ["x", "y", "width", "height"].some((key) => drag.layer[key] !== drag.origin[key]);
    drag = null;
    if (moved) save();
  };
  boxes.addEventListener("pointerup", endDrag);
  boxes.addEventListener("pointercancel", endDrag);

  boxes.addEventListener("keydown", (event) => {
    const box = event.target.closest(".text-box");
    const step = event.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (!box || !moves[event.key]) return;
    event.preventDefault();
    const layer = layers[Number(box.dataset.index)];
    layer.x += moves[event.key][0];
    layer.y += moves[event.key][1];
    place(box, layer);
    save();
  });

  boxes.addEventListener("focusin", (event) => {
    const box = event.target.closest(".text-box");
    if (box && Number(box.dataset.index) !== selected) {
      selected = Number(box.dataset.index);
      for (const other of boxes.children) other.classList.toggle("is-selected", other === box);
      fillControls();
      picker.value = String(selected);
    }
  });

  field.value = JSON.stringify(layers);
  refresh();
}

// Copy buttons (the "leave room for text" prompt arrives later, by htmx: the listener sits on the document).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(source.value);
  } catch {
    source.select();
    document.execCommand("copy");
  }
  button.textContent = "Copied";
});
