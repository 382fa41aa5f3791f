// The conversation page's own behaviours: open at the latest turn, keep a failed turn's error clear of the
// sticky composer, the branch map (open beside the thread on wide screens; its "Branch from here"), a turn's
// menu of download formats, and an emptied reference field once a turn is sent.

const composerEl = () => document.getElementById("composer");

// Long conversations open at the latest turn (the images have their sizes, so the layout is final now),
// unless the address names a turn.
function openAtLatest() {
  if (location.hash) return;
  const last = document.querySelector("#turns > .turn:last-child");
  if (last) window.scrollTo(0, document.documentElement.scrollHeight);
}

// The composer stays at the bottom of the window: whatever scrolls into view (a new turn, a focused button, a
// jump to a turn) stops above it, as it stops below the top bar.
function keepScrollsClearOfTheComposer() {
  const composer = composerEl();
  if (!composer || !document.getElementById("turns")) return;
  const pad = () => {
    document.documentElement.style.scrollPaddingBottom = `${composer.offsetHeight + 16}px`;
  };
  new ResizeObserver(pad).observe(composer);
  pad();
}

// A failed turn's error must never sit under the composer: scroll it up above it. One reveal is not enough:
// the error arrives amid other swaps (the stopped turn above shrinks, the cost and the branch map change) and
// the smooth scroll to the turn just sent (atelier.js) may still be running or start after it; each can move
// it back under the composer. So the latest error is kept clear whenever the composer, the turns or the page
// change size and whenever a scroll ends, until the designer scrolls or acts on their own.
let errorToKeepClear = null;

function revealUnderComposer() {
  const composer = composerEl();
  if (!composer || !errorToKeepClear?.isConnected) return;
  const covered = errorToKeepClear.getBoundingClientRect().bottom - composer.getBoundingClientRect().top;
  if (covered > 0) window.scrollBy(0, covered + 12);
}

function revealNewErrors(records) {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const error = node.matches(".turn-error") ? node : node.querySelector(".turn-error");
      if (error) {
        errorToKeepClear = error;
        requestAnimationFrame(revealUnderComposer);
      }
    }
  }
}

function keepTheErrorClearAsThePageSettles() {
  const turns = document.getElementById("turns");
  if (!turns || !composerEl()) return;
  const observer = new ResizeObserver(() => requestAnimationFrame(revealUnderComposer));
  for (const element of [composerEl(), turns, document.getElementById("main")]) observer.observe(element);
  window.addEventListener("scrollend", revealUnderComposer);
  const letGo = () => { errorToKeepClear = null; };
  for (const type of ["wheel", "touchstart", "pointerdown", "keydown"]) {
    window.addEventListener(type, letGo, { passive: true });
  }
}

// The branch map is open beside the thread where there is room for it, folded above it on narrow screens.
function openBranchMapWhenWide() {
  const toggle = document.getElementById("branch-map-toggle");
  if (toggle) toggle.open = window.matchMedia("(min-width: 861px)").matches;
}

// The map shows the latest turn: its own scroll box (never the page) scrolls to it.
function showLatestInMap() {
  const latest = document.querySelector('#branch-map [aria-current="true"]');
  let box = latest?.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY === "auto")) {
    box = box.parentElement;
  }
  if (!box || box === document.body || box === document.documentElement) return;
  const offset = latest.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop += offset - box.clientHeight / 2;
}

// A turn's "⋯" menu of other download formats. The latest turn's actions sit just above the sticky composer:
// the menu opens upward where the room below, down to the composer, is too short for it. Like any menu it
// closes on Escape (the focus goes back to its toggle), on a click elsewhere and when the focus leaves it (the
// shortcut sheet opening, say).
const openDownloadMenus = () => document.querySelectorAll("details.download-menu[open]");

function placeDownloadMenu(menu) {
  menu.classList.remove("opens-up");
  const toggle = menu.querySelector("summary").getBoundingClientRect();
  const floor = Math.min(composerEl()?.getBoundingClientRect().top ?? window.innerHeight, window.innerHeight);
  const ceiling = Math.max(document.querySelector(".topbar")?.getBoundingClientRect().bottom ?? 0, 0);
  const below = floor - toggle.bottom;
  const above = toggle.top - ceiling;
  const needed = menu.querySelector(".menu").offsetHeight + 8;
  menu.classList.toggle("opens-up", below < needed && above > below);
}

document.addEventListener("toggle", (event) => {
  if (event.target.matches?.("details.download-menu") && event.target.open) placeDownloadMenu(event.target);
}, true);  // toggle does not bubble

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog:modal")) return;
  for (const menu of openDownloadMenus()) {
    const focusWasInside = menu.contains(document.activeElement) || document.activeElement === document.body;
    menu.open = false;
    if (focusWasInside) menu.querySelector("summary").focus();
  }
});

function closeDownloadMenusOutside(event) {
  for (const menu of openDownloadMenus()) {
    if (!menu.contains(event.target)) menu.open = false;
  }
}
document.addEventListener("click", closeDownloadMenusOutside);
document.addEventListener("focusin", closeDownloadMenusOutside);

// "Branch from here" in the map: the chip names the turn (the turn's own button finds it in its turn).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-branch-from][data-branch-label]");
  if (!button) return;
  const chip = document.querySelector("#branch-chip span");
  if (chip) chip.textContent = `Branching from “${button.dataset.branchLabel}”`;
});

document.addEventListener("htmx:after:request", (event) => {
  const form = event.target.closest?.("#composer");
  const status = event.detail?.ctx?.response?.status;
  if (form && status && status < 400) {
    const uploads = form.querySelector('input[type="file"]');
    if (uploads) uploads.value = "";
  }
});

const turns = document.getElementById("turns");
if (turns) new MutationObserver(revealNewErrors).observe(turns, { childList: true, subtree: true });
keepScrollsClearOfTheComposer();
keepTheErrorClearAsThePageSettles();
openBranchMapWhenWide();
showLatestInMap();
document.getElementById("branch-map-toggle")?.addEventListener("toggle", showLatestInMap);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", openAtLatest);
else openAtLatest();
