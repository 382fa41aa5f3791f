// An image stage takes its image's proportions before the image arrives. The server gives them in
// data-aspect ("1536 / 1024"). The Content-Security-Policy allows no style attributes (and htmx copies an
// element's style attribute when it swaps it), so each proportion seen becomes one rule of a stylesheet
// of our own, made through the CSSOM. Stages swapped in later (htmx, websockets) are covered as they appear.

const aspectSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, aspectSheet];
const aspectsSeen = new Set();

function addAspectRules(root) {
  const stages = [...(root.matches?.("[data-aspect]") ? [root] : []), ...root.querySelectorAll("[data-aspect]")];
  for (const stage of stages) {
    const aspect = stage.dataset.aspect;
    if (aspectsSeen.has(aspect) || !/^\d+ \/ \d+$/.test(aspect)) continue;
    aspectsSeen.add(aspect);
    aspectSheet.insertRule(`[data-aspect="${aspect}"] { aspect-ratio: ${aspect}; }`);
  }
}

addAspectRules(document.body);
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) addAspectRules(node);
  }
}).observe(document.body, { childList: true, subtree: true });
