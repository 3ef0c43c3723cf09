// `holdfast://case/<id>` links (src-tauri/src/links.rs). The shell keeps the latest link until the
// window takes it (`take_opened_link`) and tells the window when one arrives (`link-opened`). A
// link that started the app arrived before this listened, so the window also asks once when it
// starts. The desk listens here, in one place, and opens the case as a clicked reminder does.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { call } from './api';
import type { OpenedLink } from './bindings';

export const LINK_OPENED_EVENT = 'link-opened';

/** Calls `open` for every link that arrives (and one waiting already) until the returned function is called. */
export function onLinkOpened(open: (link: OpenedLink) => void): () => void {
  let unlisten: UnlistenFn | null = null;
  let stopped = false;
  const take = async () => {
    const outcome = await call('take_opened_link');
    // Outside the app there is no link to take; a failure leaves the link where it is.
    if (!stopped && outcome.ok && outcome.value) open(outcome.value);
  };
  listen(LINK_OPENED_EVENT, () => void take())
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
    })
    .catch(() => {
      // Outside the app (the UI's own tests, a browser) there is nothing to listen to.
    })
    .finally(() => {
      if (!stopped) void take();
    });
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** What the desk says when a link's case is not in this profile. */
export const UNKNOWN_CASE =
  'The link names a case this desk does not have. It may belong to another profile, or not have reached this desk yet.';
