// Moving the cursor into a screen that is still being drawn (a palette action that navigates, then
// focuses a form on the new screen): waits a few frames for the element to appear.

/** Focuses the first element matching `selector` once it is in the page; false if it never is. */
export async function focusWhenShown(selector: string, frames = 60): Promise<boolean> {
  for (let frame = 0; frame < frames; frame++) {
    const element = document.querySelector<HTMLElement>(selector);
    if (element) {
      element.focus();
      element.scrollIntoView?.({ block: 'nearest' });
      return document.activeElement === element;
    }
    await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  }
  return false;
}
