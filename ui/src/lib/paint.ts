// Scheduling around the screen's paint: work that the first view does not need (filter choices,
// badge counts) waits until that view is on screen, so it neither delays it nor competes with it.

/** Resolves once the browser has painted the current DOM: in the task after the next frame. */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
