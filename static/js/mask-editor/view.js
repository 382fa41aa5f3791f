// The editor's view of the image as pure geometry: sizes in, a zoom and an offset (the image's top-left corner
// on the stage, in CSS pixels) out. No DOM here.

const FIT_SHARE = 0.96; // a fitted image leaves a thin margin of stage around it
const KEEP_ON_STAGE = 64; // pixels of a zoomed or panned image kept on the stage, to pan back from

export function fittedView(image, stage) {
  const zoom = Math.min(stage.width / image.width, stage.height / image.height) * FIT_SHARE;
  return { zoom, offset: { x: (stage.width - image.width * zoom) / 2, y: (stage.height - image.height * zoom) / 2 } };
}

// The designer's own view on a stage that changed size: the same zoom, what was at the stage's centre still
// at its centre, and never so far off that none of the image is left to grab.
export function resizedView(view, image, from, to) {
  const x = view.offset.x + (to.width - from.width) / 2;
  const y = view.offset.y + (to.height - from.height) / 2;
  return {
    zoom: view.zoom,
    offset: { x: onStage(x, image.width * view.zoom, to.width), y: onStage(y, image.height * view.zoom, to.height) },
  };
}

// A start along one axis that keeps some of [start, start + length] within [0, span].
function onStage(start, length, span) {
  const keep = Math.min(KEEP_ON_STAGE, length, span);
  return Math.min(span - keep, Math.max(keep - length, start));
}
