// Why live updates stopped, in words. The server refuses or ends a websocket with a close code
// (studio/session_sockets.py); htmx reports it as htmx:ws:close and, for these codes, does not reconnect.

const LIVE_MESSAGES = {
  4400: "Live updates are refused for this page's address. Open Atelier at its own address.",
  4401: "You are logged out, so live updates have stopped. Log in again to see them.",
  4403: "This belongs to another account, so it has no live updates for you.",
};

document.addEventListener("htmx:ws:close", (event) => {
  const code = event.detail?.code;
  const message = LIVE_MESSAGES[code];
  const box = document.getElementById("live-status");
  if (!message || !box) return;
  box.querySelector("[data-live-message]").textContent = message;
  box.querySelector("[data-live-login]").hidden = code !== 4401;
  box.dataset.code = String(code);
  box.hidden = false;
});
