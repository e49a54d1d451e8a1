// A few lines of DOM building: h(tag, attrs, ...children), icons, dialogs and toasts.
import "monaco-editor/base/common/codicons.js";
import { getCodiconFontCharacters } from "monaco-editor/base/common/codiconsUtil.js";
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, unknown>;

/** An element: `on*` attributes are listeners, `class` the class name, booleans present/absent. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (k === "value" || k === "checked" || k === "disabled" || k === "hidden") (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
}

export function clear(el: Element): void {
  el.replaceChildren();
}

const glyphs = getCodiconFontCharacters() as Record<string, number>;

/** A codicon (decorative): the glyph itself, so no per-icon CSS is needed. */
export function icon(name: string): HTMLElement {
  const code = glyphs[name];
  return h("span", { class: "icon", "aria-hidden": "true" }, code === undefined ? "" : String.fromCodePoint(code));
}

let dialogCount = 0;

/**
 * A modal <dialog>: `build` fills its body and gets `close(value)`. Escape
 * (or the × button) closes with null. Focus goes back where it was.
 */
export function openDialog<T>(title: string, build: (body: HTMLElement, close: (value: T | null) => void) => void, options: { wide?: boolean } = {}): Promise<T | null> {
  const before = document.activeElement as HTMLElement | null;
  const id = `dialog-title-${++dialogCount}`;
  const body = h("div", { class: "dialog-body" });
  const dialog = h("dialog", { class: options.wide ? "dialog wide" : "dialog", "aria-labelledby": id },
    h("header", { class: "dialog-head" }, h("h2", { id }, title),
      h("button", { type: "button", class: "icon-button", "aria-label": "Close", onclick: () => close(null) }, icon("close"))),
    body);
  let done = false;
  let resolve!: (v: T | null) => void;
  const result = new Promise<T | null>((r) => (resolve = r));
  const close = (value: T | null) => {
    if (done) return;
    done = true;
    dialog.close();
    dialog.remove();
    before?.focus?.();
    resolve(value);
  };
  dialog.addEventListener("cancel", (e) => (e.preventDefault(), close(null)));
  build(body, close);
  document.body.append(dialog);
  dialog.showModal();
  const first = body.querySelector<HTMLElement>("[autofocus], input, select, textarea, button");
  first?.focus();
  return result;
}

/** Yes or no; `danger` colours the yes. */
export function confirmDialog(title: string, message: string, yes: string, danger = false): Promise<boolean> {
  return openDialog<boolean>(title, (body, close) => {
    append(body,
      h("p", null, message),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => close(false) }, "Cancel"),
        h("button", { type: "button", class: danger ? "danger" : "primary", autofocus: true, onclick: () => close(true) }, yes)));
  }).then((v) => v === true);
}

/** One line of text, or null when cancelled. */
export function promptDialog(title: string, label: string, initial = "", ok = "OK"): Promise<string | null> {
  return openDialog<string>(title, (body, close) => {
    const input = h("input", { type: "text", id: "prompt-input", value: initial, required: true, autocomplete: "off" });
    const form = h("form", { class: "stack", onsubmit: (e: Event) => (e.preventDefault(), input.value.trim() && close(input.value.trim())) },
      h("label", { for: "prompt-input" }, label), input,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => close(null) }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, ok)));
    append(body, form);
    queueMicrotask(() => {
      input.focus();
      const dot = initial.lastIndexOf(".");
      input.setSelectionRange(0, dot > 0 ? dot : initial.length);
    });
  });
}

/** A short message in the polite live region. */
export function toast(message: string, kind: "info" | "error" = "info", ms = 5000): void {
  const area = document.getElementById("toasts");
  if (!area) return;
  const el = h("div", { class: `toast ${kind}` }, message);
  area.append(el);
  setTimeout(() => el.remove(), ms);
}
