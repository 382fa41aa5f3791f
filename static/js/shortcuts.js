// The keyboard shortcut sheet (base.html's <dialog id="shortcut-sheet">): "?" or the "Keyboard shortcuts" button
// opens it. A modal <dialog> keeps the rest of the page inert and closes on Esc; Tab is kept inside it here too,
// since the browser would otherwise let focus leave for its own toolbar.

// Typing in a field: no shortcut may take the key (the mask editor keeps the same rule).
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("textarea, select, [contenteditable]:not([contenteditable='false'])")) return true;
  const notText = ["button", "checkbox", "color", "file", "image", "radio", "range", "reset", "submit"];
  return target.matches("input") && !notText.includes(target.type);
}

const sheet = () => document.getElementById("shortcut-sheet");

function openSheet(opener) {
  const dialog = sheet();
  if (!dialog || dialog.open) return;
  dialog.returnFocus = opener instanceof HTMLElement ? opener : document.activeElement;
  dialog.showModal();
  dialog.querySelector("[data-shortcuts-close]")?.focus();
}

function focusable(dialog) {
  return [...dialog.querySelectorAll("button, a[href], input, select, textarea, [tabindex]:not([tabindex='-1'])")]
    .filter((element) => !element.disabled && element.getClientRects().length);
}

document.addEventListener("keydown", (event) => {
  const dialog = sheet();
  if (!dialog) return;
  if (dialog.open && event.key === "Tab") {
    const items = focusable(dialog);
    const first = items[0];
    const last = items[items.length - 1];
    const inside = dialog.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (document.activeElement === last || !inside)) { event.preventDefault(); first.focus(); }
    return;
  }
  if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (dialog.open || isTyping(event.target)) return;
  event.preventDefault();
  openSheet(document.activeElement);
});

document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-shortcuts-open]");
  if (opener) return openSheet(opener);
  if (event.target.closest("[data-shortcuts-close]")) sheet()?.close();
});

document.addEventListener("close", (event) => {
  if (event.target === sheet()) event.target.returnFocus?.focus?.();
}, true);
