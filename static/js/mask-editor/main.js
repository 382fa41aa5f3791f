// The mask painting editor: an image on a canvas, a mask painted over it, zoom and pan, pen and touch.
// Painting touches only the working-resolution mask; the screen is composed once per animation frame.

import { Mask } from "./mask.js";
import { fittedView, resizedView } from "./view.js";

const MIN_ZOOM = 0.05;
const REFIT_DELAY_MS = 150; // a window dragged wider, a phone turned: the view settles once, at the end
const NOT_TEXT = ["button", "checkbox", "color", "file", "image", "radio", "range", "reset", "submit"];

// Typing in a field: no shortcut takes the key (the same rule as static/js/shortcuts.js).
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("textarea, select, [contenteditable]:not([contenteditable='false'])")) return true;
  return target.matches("input") && !NOT_TEXT.includes(target.type);
}

// A control that Space activates by itself (a button, a checkbox, a link...): Space is then not for panning.
function pressesSomething(target) {
  return target instanceof Element && Boolean(target.closest(
    "button, a[href], summary, input[type=checkbox], input[type=radio], input[type=button], input[type=submit], input[type=color], input[type=file]"));
}
const MAX_ZOOM = 16;

class MaskEditor {
  constructor(root) {
    this.root = root;
    this.width = Number(root.dataset.width);
    this.height = Number(root.dataset.height);
    this.mask = new Mask(this.width, this.height);
    this.canvas = root.querySelector(".editor-canvas");
    this.ctx = this.canvas.getContext("2d");
    this.viewport = root.querySelector(".editor-viewport");
    this.cursor = root.querySelector(".brush-cursor");
    this.fileInput = root.querySelector('input[type=file][name="mask"]');
    this.tint = document.createElement("canvas");
    this.tint.width = this.mask.canvas.width;
    this.tint.height = this.mask.canvas.height;
    this.tool = "brush";
    this.zoom = 1;
    this.offset = { x: 0, y: 0 };
    this.fitted = true; // the view is the fitted one, until the designer zooms or pans
    this.viewSize = this.stageSize(); // the stage's size the zoom and offset were set for
    this.pointers = new Map();
    this.timings = [];
    this.dirty = true;
    this.tintDirty = true;
    this.exported = false;
    this.image = new Image();
    this.image.decoding = "async";
    this.image.onload = () => { this.fit(); this.loadSavedMask(); };
    this.image.src = root.dataset.imageUrl;
    this.bindControls();
    this.bindPointer();
    this.bindKeys();
    this.bindForm();
    new ResizeObserver(() => this.resize()).observe(this.viewport);
    this.resize();
    root.maskEditor = this;
  }

  // -- Controls ------------------------------------------------------------------------------------

  control(name) { return this.root.querySelector(`[data-control="${name}"]`); }
  get size() { return Number(this.control("size").value); }
  set size(value) { this.control("size").value = String(Math.max(1, Math.min(1000, Math.round(value)))); this.updateCursorSize(); }
  get hardness() { return Number(this.control("hardness").value) / 100; }

  bindControls() {
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action], button[data-tool]");
      if (!button || !this.root.contains(button)) return;
      if (button.dataset.tool) return this.setTool(button.dataset.tool);
      const actions = {
        undo: () => this.undo(), redo: () => this.redo(), invert: () => this.change(() => this.mask.invert()),
        clear: () => this.change(() => this.mask.clear()), fill: () => this.change(() => this.mask.fill()),
        "zoom-in": () => this.zoomBy(1.25), "zoom-out": () => this.zoomBy(0.8), fit: () => this.fit(),
      };
      actions[button.dataset.action]?.();
    });
    for (const name of ["overlay-colour", "overlay-opacity"]) {
      this.control(name).addEventListener("input", () => { this.tintDirty = true; this.requestDraw(); });
    }
    this.control("size").addEventListener("input", () => this.updateCursorSize());
    this.root.querySelector("[data-mask-upload]")?.addEventListener("change", (event) => {
      this.loadMaskFile(event.target.files[0]);
      event.target.value = "";  // not sent with the form: the mask goes as the painted one
    });
  }

  async loadMaskFile(file) {
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    this.change(() => this.mask.load(bitmap));
    bitmap.close();
  }

  setTool(tool) {
    this.tool = tool;
    for (const button of this.root.querySelectorAll("button[data-tool]")) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    }
    this.root.dataset.tool = tool;
  }

  // -- Changes and history ---------------------------------------------------------------------------

  change(apply) {
    this.mask.checkpoint();
    apply();
    this.changed();
  }

  changed() {
    this.exported = false;
    this.tintDirty = true;
    this.requestDraw();
    this.root.dispatchEvent(new CustomEvent("mask-editor:change", { bubbles: true }));
  }

  undo() { if (this.mask.undo()) this.changed(); }
  redo() { if (this.mask.redo()) this.changed(); }
  isEmpty() { return !this.mask.painted || this.mask.isBlank(); }
  exportMask() { return this.mask.export(); }

  async loadSavedMask() {
    const url = this.root.dataset.maskUrl;
    if (!url) return;
    const saved = new Image();
    saved.src = url;
    await saved.decode();
    this.mask.load(saved);
    this.changed();
  }

  // -- View ------------------------------------------------------------------------------------------

  imageSize() { return { width: this.width, height: this.height }; }

  stageSize() {
    const { width, height } = this.viewport.getBoundingClientRect();
    return { width, height };
  }

  // The stage changed size (the observer sees window resizes and orientation changes through it): the canvas
  // follows at once, so the image is never stretched; the view follows when the resizing stops.
  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.stageSize();
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    clearTimeout(this.refitTimer);
    this.refitTimer = setTimeout(() => this.refit(), REFIT_DELAY_MS);
    this.requestDraw();
  }

  // A fitted view fits the new stage; a view the designer zoomed or panned is kept, within reach.
  refit() {
    const stage = this.stageSize();
    if (!stage.width || !stage.height) return; // hidden: nothing to fit to
    if (stage.width === this.viewSize.width && stage.height === this.viewSize.height) return;
    if (this.fitted) return this.fit();
    this.setView(resizedView({ zoom: this.zoom, offset: this.offset }, this.imageSize(), this.viewSize, stage), stage);
  }

  fit() {
    const stage = this.stageSize();
    this.setView(fittedView(this.imageSize(), stage), stage);
    this.fitted = true;
  }

  setView({ zoom, offset }, stage) {
    this.zoom = zoom;
    this.offset = offset;
    this.viewSize = stage;
    this.updateCursorSize();
    this.requestDraw();
  }

  zoomBy(factor, at) {
    this.fitted = false;
    const rect = this.viewport.getBoundingClientRect();
    const point = at ?? { x: rect.width / 2, y: rect.height / 2 };
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
    const ratio = zoom / this.zoom;
    this.offset = { x: point.x - (point.x - this.offset.x) * ratio, y: point.y - (point.y - this.offset.y) * ratio };
    this.zoom = zoom;
    this.updateCursorSize();
    this.requestDraw();
  }

  requestDraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
  }

  draw() {
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr * this.zoom, 0, 0, dpr * this.zoom, dpr * this.offset.x, dpr * this.offset.y);
    ctx.imageSmoothingEnabled = this.zoom < 2;
    if (this.image.complete && this.image.naturalWidth) ctx.drawImage(this.image, 0, 0, this.width, this.height);
    if (this.tintDirty) this.retint();
    ctx.globalAlpha = Number(this.control("overlay-opacity").value) / 100;
    ctx.drawImage(this.tint, 0, 0, this.width, this.height);
    ctx.globalAlpha = 1;
  }

  retint() {
    const c = this.tint.getContext("2d");
    c.globalCompositeOperation = "source-over";
    c.clearRect(0, 0, this.tint.width, this.tint.height);
    c.drawImage(this.mask.canvas, 0, 0);
    c.globalCompositeOperation = "source-in";
    c.fillStyle = this.control("overlay-colour").value;
    c.fillRect(0, 0, this.tint.width, this.tint.height);
    this.tintDirty = false;
  }

  // -- Pointer: one pointer paints (or pans with space / middle button); two pan and pinch ----------

  toImage(event) {
    const rect = this.viewport.getBoundingClientRect();
    return { x: (event.clientX - rect.left - this.offset.x) / this.zoom, y: (event.clientY - rect.top - this.offset.y) / this.zoom };
  }

  bindPointer() {
    const target = this.viewport;
    target.addEventListener("pointerdown", (event) => this.pointerDown(event));
    target.addEventListener("pointermove", (event) => this.pointerMove(event));
    for (const type of ["pointerup", "pointercancel"]) target.addEventListener(type, (event) => this.pointerUp(event));
    target.addEventListener("pointerleave", () => { this.cursor.hidden = true; });
    target.addEventListener("wheel", (event) => {
      event.preventDefault();
      const rect = this.viewport.getBoundingClientRect();
      this.zoomBy(Math.exp(-event.deltaY * 0.0015), { x: event.clientX - rect.left, y: event.clientY - rect.top });
    }, { passive: false });
  }

  pointerDown(event) {
    this.viewport.setPointerCapture(event.pointerId);
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    this.root.focus({ preventScroll: true });
    if (this.pointers.size === 2) {
      this.endStroke();
      this.gesture = this.twoFingerState();
      return;
    }
    if (this.spaceHeld || event.button === 1) {
      this.panning = { x: event.clientX, y: event.clientY };
      return;
    }
    if (event.button !== 0 && event.pointerType === "mouse") return;
    this.mask.checkpoint();
    const point = this.toImage(event);
    this.last = point;
    this.paintTo(point, event);
  }

  pointerMove(event) {
    const started = performance.now();
    this.moveCursor(event);
    if (this.pointers.has(event.pointerId)) this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (this.gesture && this.pointers.size === 2) {
      this.pinch();
    } else if (this.panning) {
      this.fitted = false;
      this.offset.x += event.clientX - this.panning.x;
      this.offset.y += event.clientY - this.panning.y;
      this.panning = { x: event.clientX, y: event.clientY };
      this.requestDraw();
    } else if (this.last) {
      const events = event.getCoalescedEvents?.() ?? [];
      for (const sample of events.length ? events : [event]) this.paintTo(this.toImage(sample), sample);
    }
    this.timings.push(performance.now() - started);
    if (this.timings.length > 5000) this.timings.splice(0, 1000);
  }

  pointerUp(event) {
    this.pointers.delete(event.pointerId);
    if (this.pointers.size < 2) this.gesture = null;
    this.panning = null;
    this.endStroke();
  }

  endStroke() {
    if (!this.last) return;
    this.last = null;
    this.changed();
  }

  paintTo(point, event) {
    const pressure = event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 1;
    const radius = (this.size / 2) * pressure;
    this.mask.stroke(this.last.x, this.last.y, point.x, point.y, radius, this.hardness, this.tool === "eraser");
    this.last = point;
    this.tintDirty = true;
    this.requestDraw();
  }

  twoFingerState() {
    const [a, b] = [...this.pointers.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
  }

  pinch() {
    const now = this.twoFingerState();
    const rect = this.viewport.getBoundingClientRect();
    this.fitted = false;
    this.offset.x += now.mid.x - this.gesture.mid.x;
    this.offset.y += now.mid.y - this.gesture.mid.y;
    if (this.gesture.distance > 0) {
      this.zoomBy(now.distance / this.gesture.distance, { x: now.mid.x - rect.left, y: now.mid.y - rect.top });
    }
    this.gesture = now;
    this.requestDraw();
  }

  moveCursor(event) {
    const rect = this.viewport.getBoundingClientRect();
    this.cursor.hidden = event.pointerType === "touch";
    this.cursor.style.transform = `translate(${event.clientX - rect.left}px, ${event.clientY - rect.top}px)`;
  }

  updateCursorSize() {
    const diameter = Math.max(4, this.size * this.zoom);
    this.cursor.style.width = this.cursor.style.height = `${diameter}px`;
    this.cursor.style.margin = `${-diameter / 2}px 0 0 ${-diameter / 2}px`;
  }

  // -- Keys: matched on event.code, so keyboard layouts do not matter. The shortcut sheet ("?") is
  // static/js/shortcuts.js's. --------------------------------------------------------------------------

  bindKeys() {
    document.addEventListener("keydown", (event) => {
      if (isTyping(event.target) || event.defaultPrevented || document.querySelector("dialog[open]")) return;
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.code === "KeyZ") {
        event.preventDefault();
        return event.shiftKey ? this.redo() : this.undo();
      }
      if (mod && event.code === "KeyY") { event.preventDefault(); return this.redo(); }
      if (mod || event.altKey) return;
      const keys = {
        BracketLeft: () => { this.size = this.size / 1.2; },
        BracketRight: () => { this.size = this.size * 1.2; },
        KeyB: () => this.setTool("brush"),
        KeyE: () => this.setTool("eraser"),
        KeyI: () => this.change(() => this.mask.invert()),
        KeyF: () => this.fit(),
        Equal: () => this.zoomBy(1.25),
        Minus: () => this.zoomBy(0.8),
      };
      if (event.code === "Space" && pressesSomething(event.target)) return;  // Space presses buttons
      if (event.code === "Space") {
        this.spaceHeld = true;
        this.root.dataset.panning = "true";
        event.preventDefault();
      } else if (keys[event.code]) {
        event.preventDefault();
        keys[event.code]();
      }
    });
    document.addEventListener("keyup", (event) => {
      if (event.code === "Space") { this.spaceHeld = false; delete this.root.dataset.panning; }
    });
  }

  // -- The enclosing form: the mask goes with it as mask.png, only if anything was painted -----------

  bindForm() {
    const form = this.root.closest("form");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      if (this.exported || this.isEmpty()) {
        if (this.isEmpty()) this.fileInput.value = "";
        return;
      }
      event.preventDefault();
      const blob = await this.exportMask();
      const files = new DataTransfer();
      files.items.add(new File([blob], "mask.png", { type: "image/png" }));
      this.fileInput.files = files.files;
      this.exported = true;
      form.requestSubmit(event.submitter ?? undefined);
    }, { capture: true });
  }
}

for (const root of document.querySelectorAll(".mask-editor")) new MaskEditor(root);
