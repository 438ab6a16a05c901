// What covers the view for a moment and takes the typed keys while it is open: the help, the
// view picker and the `/` filter prompt. The filter applies its draft as it is typed; Esc puts
// back the filter it started from.
import type { KeyPress } from "./keys.ts";
import type { RegisteredView } from "./views/registry.ts";

export type Modal =
  | { kind: "help" }
  | { kind: "picker"; selected: number }
  | { kind: "filter"; draft: string; before?: string };

/** What the modals change. */
export interface ModalControls {
  setModal(modal: Modal | undefined): void;
  /** The views the picker offers for the frame on top. */
  pickable(): RegisteredView[];
  /** Closes the picker, switching to `view` when there is one. */
  pick(view: RegisteredView | undefined): void;
  /** Sets the frame's filter (and forgets its selection: the rows change). */
  setFilter(filter: string | undefined): void;
}

/** A typed key (not an F-key) while `modal` is open. */
export function onModalKey(modal: Modal, p: KeyPress, c: ModalControls) {
  if (modal.kind === "help") return c.setModal(undefined); // any key closes it
  if (modal.kind === "picker") return onPickerKey(modal, p, c);
  onFilterKey(modal, p, c);
}

function onPickerKey(m: Modal & { kind: "picker" }, { input, key }: KeyPress, c: ModalControls) {
  const pickable = c.pickable();
  if (key.escape || input === "q") return c.setModal(undefined);
  if (key.upArrow || key.downArrow) {
    const n = pickable.length;
    return c.setModal({ kind: "picker", selected: (m.selected + (key.upArrow ? n - 1 : 1)) % n });
  }
  if (key.return) return c.pick(pickable[m.selected]);
  if (/^[1-9]$/.test(input)) c.pick(pickable[Number(input) - 1]);
}

function onFilterKey(m: Modal & { kind: "filter" }, { input, key }: KeyPress, c: ModalControls) {
  const setDraft = (draft: string) => {
    c.setModal({ ...m, draft });
    c.setFilter(draft.trim() || undefined);
  };
  if (key.escape) {
    c.setFilter(m.before);
    return c.setModal(undefined);
  }
  if (key.return) return c.setModal(undefined); // the draft is applied already
  if (key.backspace || key.delete) return setDraft([...m.draft].slice(0, -1).join(""));
  if (input && !key.ctrl && !key.meta && !key.tab) setDraft(m.draft + input);
}
