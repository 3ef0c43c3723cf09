// @ts-check
// The layout rules the desk keeps at every window size (UX.md: nothing spills out of its pane, a
// wide table scrolls sideways inside it; a rail label keeps to one line; text is cut only under an
// ellipsis rule; headings stay put while the list under them scrolls). The rules are pure
// functions over measured boxes, so unit tests feed them boxes (jsdom has no layout); the
// measuring functions read a live document. The end-to-end tests run this very file in the app's
// window through WebDriver (tests/e2e/layout.rs embeds it and drops the `export` keywords, so it
// stays plain JavaScript with no imports); the app itself never loads it.

/** Sub-pixel rounding is not an overflow. */
const TOLERANCE = 1;

/**
 * @typedef {{ left: number, top: number, right: number, bottom: number }} Box
 * @typedef {{
 *   name: string,
 *   box: Box,
 *   pane: Box,
 *   paneScrollsSideways: boolean,
 *   text?: { scrollWidth: number, clientWidth: number, clips: boolean, ellipsis: boolean },
 *   oneLine?: { contentHeight: number, lineHeight: number },
 *   whole?: boolean,
 * }} Measured
 * @typedef {'spills' | 'cut' | 'overruns' | 'truncated' | 'wraps'} Rule
 * @typedef {{ name: string, rule: Rule, detail: string }} Problem
 * @typedef {{ oneLine?: string[], whole?: string[] }} Expectations
 */

/**
 * What breaks the rules among measured elements:
 * - `spills`: the element reaches past the sides of its pane (the nearest ancestor that clips or
 *   scrolls, or the window), and that pane does not scroll sideways: part of it is cut off or
 *   lies outside the window. Inside a pane that scrolls sideways a wide element is where it
 *   belongs.
 * - `cut`: its own text is wider than its box, which clips it without an ellipsis.
 * - `overruns`: its own text is wider than its box and runs out of it over its neighbours.
 * - `truncated`: text that must be read whole (a name, a tier) ends in an ellipsis.
 * - `wraps`: a one-line element (a rail label) takes more than one line.
 * @param {Measured[]} measured
 * @returns {Problem[]}
 */
export function layoutProblems(measured) {
  /** @type {Problem[]} */
  const problems = [];
  for (const element of measured) {
    const { name, box, pane } = element;
    if (!element.paneScrollsSideways) {
      const past = Math.max(pane.left - box.left, box.right - pane.right);
      if (past > TOLERANCE) {
        problems.push({ name, rule: 'spills', detail: `reaches ${Math.round(past)}px past its pane's side` });
      }
    }
    const text = element.text;
    if (text && text.clientWidth > 0) {
      const hidden = text.scrollWidth - text.clientWidth;
      if (hidden > TOLERANCE) {
        if (element.whole) {
          problems.push({ name, rule: 'truncated', detail: `${Math.round(hidden)}px of its text are not shown` });
        } else if (text.clips && !text.ellipsis) {
          problems.push({ name, rule: 'cut', detail: `its text is cut by ${Math.round(hidden)}px without an ellipsis` });
        } else if (!text.clips) {
          problems.push({ name, rule: 'overruns', detail: `its text runs ${Math.round(hidden)}px out of its box` });
        }
      }
    }
    const oneLine = element.oneLine;
    if (oneLine && oneLine.contentHeight > oneLine.lineHeight * 1.5) {
      const lines = Math.round(oneLine.contentHeight / oneLine.lineHeight);
      problems.push({ name, rule: 'wraps', detail: `takes ${lines} lines instead of one` });
    }
  }
  return problems;
}

/**
 * How many of the items lie wholly inside the visible part of their list (below its sticky
 * header, above its bottom edge).
 * @param {Box[]} items
 * @param {Box} visible
 */
export function countFullyVisible(items, visible) {
  return items.filter(
    (item) =>
      item.bottom - item.top > 0 &&
      item.top >= visible.top - TOLERANCE &&
      item.bottom <= visible.bottom + TOLERANCE,
  ).length;
}

/**
 * The headings that moved between two measurements (before and after every pane was scrolled to
 * its end): a heading that stays put is at the same place in both.
 * @param {{ name: string, box: Box }[]} before
 * @param {{ name: string, box: Box }[]} after
 * @returns {string[]}
 */
export function movedHeadings(before, after) {
  return before
    .filter((heading) => {
      const later = after.find((other) => other.name === heading.name);
      return !later || Math.abs(later.box.top - heading.box.top) > TOLERANCE || Math.abs(later.box.left - heading.box.left) > TOLERANCE;
    })
    .map((heading) => heading.name);
}

// Measuring a live document (the app's window in the end-to-end tests).

/** @param {DOMRect} rect @returns {Box} */
function boxOf(rect) {
  return { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom };
}

/** A short name for a report: the tag, its accessible name or text, and its region. @param {Element} element */
export function describeElement(element) {
  const own = element.getAttribute('aria-label') || (element.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  const region = element.parentElement?.closest('[aria-label]');
  const where = region ? ` in ${region.tagName.toLowerCase()} "${region.getAttribute('aria-label')}"` : '';
  return `${element.tagName.toLowerCase()}${own ? ` "${own}"` : ''}${where}`;
}

/** Whether a person can see the element at all (not hidden, not a 1px visually-hidden label). @param {Element} element */
function shown(element) {
  if (element.getClientRects().length === 0) return false;
  const style = getComputedStyle(element);
  if (style.visibility === 'hidden' || style.display === 'contents') return false;
  const rect = element.getBoundingClientRect();
  return rect.width > 1 && rect.height > 1;
}

/** Whether the element holds text of its own (not only in its children). @param {Element} element */
function ownText(element) {
  return [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && (node.textContent || '').trim() !== '');
}

/**
 * The nearest ancestor that clips or scrolls sideways, as the box it shows; the window when none
 * (or when the element is fixed to the window).
 * @param {Element} element
 * @returns {{ pane: Box, scrollsSideways: boolean }}
 */
function paneOf(element) {
  const window_ = { pane: { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight }, scrollsSideways: false };
  if (getComputedStyle(element).position === 'fixed') return window_;
  for (let parent = element.parentElement; parent && parent !== document.documentElement; parent = parent.parentElement) {
    const style = getComputedStyle(parent);
    if (style.overflowX === 'visible') continue;
    const rect = parent.getBoundingClientRect();
    const left = rect.left + parent.clientLeft;
    return {
      pane: { left, top: rect.top + parent.clientTop, right: left + parent.clientWidth, bottom: rect.top + parent.clientTop + parent.clientHeight },
      scrollsSideways: style.overflowX === 'auto' || style.overflowX === 'scroll',
    };
  }
  return window_;
}

/**
 * Measures every element a person can see under `root`, with what `expect` says of some of them
 * (CSS selectors): `oneLine` elements keep to one line, `whole` elements show their text whole.
 * @param {Element} root
 * @param {Expectations} [expect]
 * @returns {Measured[]}
 */
export function measureLayout(root, expect = {}) {
  const oneLine = new Set(expect.oneLine?.flatMap((selector) => [...root.querySelectorAll(selector)]) ?? []);
  const whole = new Set(expect.whole?.flatMap((selector) => [...root.querySelectorAll(selector)]) ?? []);
  /** @type {Measured[]} */
  const measured = [];
  for (const element of [root, ...root.querySelectorAll('*')]) {
    if (element.closest('svg, select, script, style') && element.tagName.toLowerCase() !== 'select') continue;
    if (!shown(element)) continue;
    const style = getComputedStyle(element);
    const { pane, scrollsSideways } = paneOf(element);
    /** @type {Measured} */
    const entry = { name: describeElement(element), box: boxOf(element.getBoundingClientRect()), pane, paneScrollsSideways: scrollsSideways };
    const isWhole = whole.has(element);
    if (isWhole || (ownText(element) && !['input', 'textarea', 'select'].includes(element.tagName.toLowerCase()))) {
      entry.text = {
        scrollWidth: element.scrollWidth,
        clientWidth: element.clientWidth,
        clips: style.overflowX !== 'visible',
        ellipsis: style.textOverflow === 'ellipsis',
      };
      if (isWhole) entry.whole = true;
    }
    if (oneLine.has(element)) {
      const fontSize = parseFloat(style.fontSize) || 14;
      const lineHeight = style.lineHeight === 'normal' ? fontSize * 1.2 : parseFloat(style.lineHeight);
      const padding = (parseFloat(style.paddingTop) || 0) + (parseFloat(style.paddingBottom) || 0);
      entry.oneLine = { contentHeight: element.clientHeight - padding, lineHeight };
    }
    measured.push(entry);
  }
  return measured;
}

/**
 * The rules' verdict on the live document under `root`, as readable lines (none when it holds).
 * @param {Element} root
 * @param {Expectations} [expect]
 * @returns {string[]}
 */
export function checkLayout(root, expect = {}) {
  return layoutProblems(measureLayout(root, expect)).map((problem) => `${problem.name} ${problem.rule}: ${problem.detail}`);
}

/**
 * How many rows of the table named `label` a person sees whole, below its header.
 * @param {string} label
 */
export function rowsFullyVisible(label) {
  const table = document.querySelector(`table[aria-label="${label}"]`);
  if (!table) return 0;
  const rect = table.getBoundingClientRect();
  const head = table.querySelector('thead');
  const top = head ? head.getBoundingClientRect().bottom : rect.top;
  const bottom = Math.min(rect.top + table.clientTop + table.clientHeight, window.innerHeight);
  const rows = [...table.querySelectorAll('tbody tr')].filter(shown).map((row) => boxOf(row.getBoundingClientRect()));
  return countFullyVisible(rows, { left: rect.left, top, right: rect.right, bottom });
}

/**
 * Scrolls every pane that scrolls down to its end and back, and names the page headings that
 * moved meanwhile: headings stay put, only the lists and the case pane scroll (`ignore` names the
 * headings that belong to a scrolling pane, such as the case's own).
 * @param {Element} root
 * @param {string[]} [ignore]
 * @returns {string[]}
 */
export function headingsThatScroll(root, ignore = []) {
  const ignored = new Set(ignore.flatMap((selector) => [...root.querySelectorAll(selector)]));
  const headings = () => [...root.querySelectorAll('h1')].filter((heading) => !ignored.has(heading) && shown(heading)).map((heading) => ({ name: describeElement(heading), box: boxOf(heading.getBoundingClientRect()) }));
  const before = headings();
  const panes = [root, ...root.querySelectorAll('*')].filter((element) => {
    const style = getComputedStyle(element);
    return (style.overflowY === 'auto' || style.overflowY === 'scroll') && element.scrollHeight > element.clientHeight + TOLERANCE;
  });
  const kept = panes.map((pane) => pane.scrollTop);
  for (const pane of panes) pane.scrollTop = pane.scrollHeight;
  const after = headings();
  panes.forEach((pane, index) => (pane.scrollTop = kept[index] ?? 0));
  return movedHeadings(before, after);
}
