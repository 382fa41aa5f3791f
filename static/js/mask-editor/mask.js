// The mask itself: painted at working resolution (never more than MAX_WORKING pixels on the long edge), with a
// bounded undo history, and rasterised at the image's full resolution only on export.

const MAX_WORKING = 2048;
const HISTORY_BYTES = 160 * 1024 * 1024;

export class Mask {
  constructor(width, height) {
    this.width = width; // the image's own size
    this.height = height;
    const scale = Math.min(1, MAX_WORKING / Math.max(width, height));
    this.canvas = document.createElement("canvas");
    this.canvas.width = Math.max(1, Math.round(width * scale));
    this.canvas.height = Math.max(1, Math.round(height * scale));
    this.scale = this.canvas.width / width; // working pixels per image pixel
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: false });
    this.undoStack = [];
    this.redoStack = [];
    this.painted = false;
    this.brushes = new Map();
  }

  // A round brush stamp of the given radius (working pixels) and hardness (0 soft .. 1 hard), cached.
  brush(radius, hardness) {
    const r = Math.max(0.5, Math.round(radius * 2) / 2);
    const h = Math.round(hardness * 20) / 20;
    const key = `${r}:${h}`;
    let stamp = this.brushes.get(key);
    if (!stamp) {
      const size = Math.ceil(r * 2) + 2;
      stamp = document.createElement("canvas");
      stamp.width = stamp.height = size;
      const c = stamp.getContext("2d");
      const gradient = c.createRadialGradient(size / 2, size / 2, 0, size / 2, size / 2, r);
      gradient.addColorStop(0, "rgba(255,255,255,1)");
      gradient.addColorStop(Math.min(0.999, h), "rgba(255,255,255,1)");
      gradient.addColorStop(1, "rgba(255,255,255,0)");
      c.fillStyle = gradient;
      c.fillRect(0, 0, size, size);
      if (this.brushes.size > 64) this.brushes.clear();
      this.brushes.set(key, stamp);
    }
    return stamp;
  }

  // Before a change: keep what was there, within the history's memory bound.
  checkpoint() {
    this.undoStack.push(this.snapshot());
    this.redoStack = [];
    const limit = Math.max(2, Math.floor(HISTORY_BYTES / (this.canvas.width * this.canvas.height * 4)));
    while (this.undoStack.length > limit) this.undoStack.shift();
  }

  snapshot() {
    return { image: this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height), painted: this.painted };
  }

  restore(state) {
    this.ctx.putImageData(state.image, 0, 0);
    this.painted = state.painted;
  }

  undo() {
    if (!this.undoStack.length) return false;
    this.redoStack.push(this.snapshot());
    this.restore(this.undoStack.pop());
    return true;
  }

  redo() {
    if (!this.redoStack.length) return false;
    this.undoStack.push(this.snapshot());
    this.restore(this.redoStack.pop());
    return true;
  }

  // Stamp along a segment, in image coordinates; `erase` removes paint instead.
  stroke(x0, y0, x1, y1, radius, hardness, erase) {
    const s = this.scale;
    const r = radius * s;
    const stamp = this.brush(r, hardness);
    const half = stamp.width / 2;
    const ax = x0 * s, ay = y0 * s, bx = x1 * s, by = y1 * s;
    const distance = Math.hypot(bx - ax, by - ay);
    const step = Math.max(1, r / 4);
    const count = Math.max(1, Math.ceil(distance / step));
    this.ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
    for (let i = 0; i <= count; i++) {
      const t = i / count;
      this.ctx.drawImage(stamp, ax + (bx - ax) * t - half, ay + (by - ay) * t - half);
    }
    this.ctx.globalCompositeOperation = "source-over";
    if (!erase) this.painted = true;
  }

  fill() {
    this.ctx.globalCompositeOperation = "source-over";
    this.ctx.fillStyle = "#fff";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.painted = true;
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.painted = false;
  }

  invert() {
    const inverted = document.createElement("canvas");
    inverted.width = this.canvas.width;
    inverted.height = this.canvas.height;
    const c = inverted.getContext("2d");
    c.fillStyle = "#fff";
    c.fillRect(0, 0, inverted.width, inverted.height);
    c.globalCompositeOperation = "destination-out";
    c.drawImage(this.canvas, 0, 0);
    this.clear();
    this.ctx.drawImage(inverted, 0, 0);
    this.painted = true;
  }

  // Load a saved API mask (alpha 0 = editable) back into paint.
  load(image) {
    const c = document.createElement("canvas");
    c.width = this.canvas.width;
    c.height = this.canvas.height;
    const cx = c.getContext("2d");
    cx.fillStyle = "#fff";
    cx.fillRect(0, 0, c.width, c.height);
    cx.globalCompositeOperation = "destination-out";
    cx.drawImage(image, 0, 0, c.width, c.height);
    this.clear();
    this.ctx.drawImage(c, 0, 0);
    this.painted = !this.isBlank();
  }

  isBlank() {
    const data = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return false;
    return true;
  }

  // The API's mask at the image's full size: opaque where the image is kept, transparent where painted.
  async export() {
    const out = document.createElement("canvas");
    out.width = this.width;
    out.height = this.height;
    const c = out.getContext("2d");
    c.fillStyle = "#000";
    c.fillRect(0, 0, out.width, out.height);
    c.globalCompositeOperation = "destination-out";
    c.imageSmoothingEnabled = true;
    c.drawImage(this.canvas, 0, 0, out.width, out.height);
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }
}
