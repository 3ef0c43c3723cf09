// The layout rules, fed boxes (jsdom lays nothing out); the end-to-end tests run the same file in
// the app's window on boxes the browser measured.
import { describe, expect, it } from 'vitest';
import { countFullyVisible, layoutProblems, measureLayout, movedHeadings, type Measured } from './overflow.js';

const box = (left: number, top: number, right: number, bottom: number) => ({ left, top, right, bottom });
const PANE = box(200, 0, 700, 640);

function element(overrides: Partial<Measured>): Measured {
  return { name: 'td "Acme Corp"', box: box(210, 10, 400, 40), pane: PANE, paneScrollsSideways: false, ...overrides };
}

describe('layoutProblems', () => {
  it('passes an element inside its pane', () => {
    expect(layoutProblems([element({})])).toEqual([]);
  });

  it('finds an element reaching past the side of a pane that does not scroll sideways', () => {
    const problems = layoutProblems([element({ name: 'table "Accounts in the file"', box: box(210, 10, 760, 300) })]);
    expect(problems).toEqual([{ name: 'table "Accounts in the file"', rule: 'spills', detail: "reaches 60px past its pane's side" }]);
    // And on the left too.
    expect(layoutProblems([element({ box: box(150, 10, 400, 40) })])[0]?.rule).toBe('spills');
  });

  it('lets a wide table be wide inside a pane that scrolls sideways', () => {
    expect(layoutProblems([element({ box: box(210, 10, 1400, 300), paneScrollsSideways: true })])).toEqual([]);
  });

  it('forgives sub-pixel rounding', () => {
    expect(layoutProblems([element({ box: box(199.5, 10, 700.8, 40) })])).toEqual([]);
  });

  it('finds text cut without an ellipsis, and lets an ellipsis end it', () => {
    const cut = element({ text: { scrollWidth: 180, clientWidth: 120, clips: true, ellipsis: false } });
    expect(layoutProblems([cut])).toEqual([{ name: 'td "Acme Corp"', rule: 'cut', detail: 'its text is cut by 60px without an ellipsis' }]);
    const ended = element({ text: { scrollWidth: 180, clientWidth: 120, clips: true, ellipsis: true } });
    expect(layoutProblems([ended])).toEqual([]);
  });

  it('finds text running out of a box that does not clip it', () => {
    const overrun = element({ text: { scrollWidth: 150, clientWidth: 120, clips: false, ellipsis: false } });
    expect(layoutProblems([overrun])[0]).toMatchObject({ rule: 'overruns' });
  });

  it('finds text that must be read whole (a name, a tier) ending in an ellipsis', () => {
    const tier = element({ name: 'td "Professional"', whole: true, text: { scrollWidth: 96, clientWidth: 40, clips: true, ellipsis: true } });
    expect(layoutProblems([tier])).toEqual([{ name: 'td "Professional"', rule: 'truncated', detail: '56px of its text are not shown' }]);
    const fits = element({ whole: true, text: { scrollWidth: 96, clientWidth: 96, clips: true, ellipsis: true } });
    expect(layoutProblems([fits])).toEqual([]);
  });

  it('finds a rail label pushed onto two lines', () => {
    const label = element({ name: 'button "Refunds to process"', oneLine: { contentHeight: 42, lineHeight: 21 } });
    expect(layoutProblems([label])).toEqual([{ name: 'button "Refunds to process"', rule: 'wraps', detail: 'takes 2 lines instead of one' }]);
    expect(layoutProblems([element({ oneLine: { contentHeight: 21, lineHeight: 21 } })])).toEqual([]);
  });
});

describe('countFullyVisible', () => {
  it('counts the rows wholly between the header and the bottom edge', () => {
    const rows = [0, 1, 2, 3].map((index) => box(0, 100 + index * 44, 400, 144 + index * 44));
    // The fourth row (232 to 276) is half below the edge at 250.
    expect(countFullyVisible(rows, box(0, 100, 400, 250))).toBe(3);
    // A row scrolled half under the header is not whole either.
    expect(countFullyVisible(rows, box(0, 120, 400, 400))).toBe(3);
  });
});

describe('movedHeadings', () => {
  it('names the headings that moved when the panes scrolled', () => {
    const inbox = { name: 'h1 "Inbox"', box: box(216, 16, 300, 43) };
    const settings = { name: 'h1 "Settings"', box: box(224, 16, 320, 43) };
    expect(movedHeadings([inbox, settings], [inbox, { ...settings, box: box(224, -300, 320, -273) }])).toEqual(['h1 "Settings"']);
    expect(movedHeadings([inbox], [inbox])).toEqual([]);
  });
});

describe('measureLayout', () => {
  it('measures what a person sees, with the expectations the selectors name', () => {
    document.body.innerHTML = `
      <nav aria-label="Screens"><button aria-label="Inbox">Inbox</button></nav>
      <span style="display: none">hidden</span>`;
    // jsdom gives every box zero size, which counts as not shown: give the button a box.
    const button = document.querySelector('button')!;
    button.getBoundingClientRect = () => new DOMRect(0, 0, 180, 30);
    button.getClientRects = () => [new DOMRect(0, 0, 180, 30)] as unknown as DOMRectList;
    const measured = measureLayout(document.body, { oneLine: ['nav button'], whole: [] });
    expect(measured).toHaveLength(1);
    expect(measured[0]).toMatchObject({ name: 'button "Inbox" in nav "Screens"', paneScrollsSideways: false, oneLine: {} });
  });
});
