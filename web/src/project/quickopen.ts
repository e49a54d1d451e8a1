// Ctrl/Cmd+P: find a file by name (letters in order, best matches first)
// and open it. A combobox over a listbox, arrows move, Enter opens.
import { h, openDialog } from "../dom.ts";

export function score(query: string, path: string): number | null {
  if (!query) return 0;
  const q = query.toLowerCase();
  const p = path.toLowerCase();
  const base = p.slice(p.lastIndexOf("/") + 1);
  if (base.startsWith(q)) return 1000 - base.length;
  if (p.includes(q)) return 500 - p.length;
  let i = 0;
  for (const c of p) if (c === q[i]) i++;
  return i === q.length ? 100 - p.length : null;
}

export function quickOpen(paths: string[], open: (path: string) => void): Promise<void> {
  return openDialog<string>("Go to file", (body, close) => {
    const list = h("ul", { id: "quick-open-list", role: "listbox", class: "quick-list", "aria-label": "Matching files" });
    const input = h("input", {
      id: "quick-open-input", type: "text", role: "combobox", "aria-expanded": "true", "aria-controls": "quick-open-list",
      "aria-autocomplete": "list", autocomplete: "off", placeholder: "File name",
    });
    let matches: string[] = [];
    let index = 0;
    const render = () => {
      matches = paths.map((p) => [p, score(input.value.trim(), p)] as const).filter(([, s]) => s !== null)
        .sort((a, b) => b[1]! - a[1]! || a[0].localeCompare(b[0])).slice(0, 50).map(([p]) => p);
      index = Math.min(index, Math.max(0, matches.length - 1));
      list.replaceChildren(...matches.map((p, i) => h("li", {
        role: "option", id: `quick-option-${i}`, "aria-selected": String(i === index), class: i === index ? "active" : null,
        onclick: () => close(p),
      }, p)));
      if (!matches.length) list.append(h("li", { role: "option", "aria-disabled": "true", "aria-selected": "false", class: "hint" }, "No file matches."));
      input.setAttribute("aria-activedescendant", matches.length ? `quick-option-${index}` : "");
      list.querySelector(".active")?.scrollIntoView({ block: "nearest" });
    };
    input.addEventListener("input", () => ((index = 0), render()));
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") index = Math.min(matches.length - 1, index + 1);
      else if (e.key === "ArrowUp") index = Math.max(0, index - 1);
      else if (e.key === "Enter") return void (e.preventDefault(), matches[index] && close(matches[index]!));
      else return;
      e.preventDefault();
      render();
    });
    body.append(h("label", { for: "quick-open-input", class: "visually-hidden" }, "File name"), input, list);
    render();
  }).then((path) => void (path && open(path)));
}
