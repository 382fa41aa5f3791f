"""Files dropped or pasted in the page, as the browser's own DragEvent and ClipboardEvent carry them.

`page.evaluate(DROP, [kind, selector, png_base64, name])`: kind "drop" drags a PNG over the element and drops it
(setting `window.__draggingWhileOver` to whether its form showed the dragging state), "paste" focuses the
element and pastes it."""

DROP = """
([kind, selector, data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: "image/png" }));
  const target = document.querySelector(selector);
  if (kind === "paste") {
    target.focus();
    target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: files, bubbles: true, cancelable: true }));
    return;
  }
  for (const type of ["dragenter", "dragover"]) {
    target.dispatchEvent(new DragEvent(type, { dataTransfer: files, bubbles: true, cancelable: true }));
  }
  window.__draggingWhileOver = target.closest("form").hasAttribute("data-dragging");
  target.dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true }));
}
"""
