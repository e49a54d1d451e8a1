// History routing: /login, /signup, / (projects) and /p/<projectId>. Each
// page renders into the app root and answers a cleanup for when it is left.
export type Cleanup = () => void;
export type Page = (root: HTMLElement, params: Record<string, string>) => Cleanup | void | Promise<Cleanup | void>;

interface Route {
  pattern: RegExp;
  keys: string[];
  page: Page;
}

const routes: Route[] = [];
let cleanup: Cleanup | void = undefined;
let root: HTMLElement;
let renderCount = 0;
let fallback = "/";

export function route(path: string, page: Page): void {
  const keys: string[] = [];
  const pattern = new RegExp("^" + path.replace(/:(\w+)/g, (_, k: string) => (keys.push(k), "([^/]+)")) + "/?$");
  routes.push({ pattern, keys, page });
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else if (location.pathname !== path) history.pushState(null, "", path);
  void render();
}

export function startRouter(appRoot: HTMLElement, notFound = "/"): void {
  root = appRoot;
  fallback = notFound;
  addEventListener("popstate", () => void render());
  // Links inside the app route without a page load.
  document.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a[data-route]") as HTMLAnchorElement | null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(a.getAttribute("href")!);
  });
  void render();
}

async function render(): Promise<void> {
  const mine = ++renderCount;
  try {
    cleanup?.();
  } catch (e) {
    console.error(e);
  }
  cleanup = undefined;
  root.replaceChildren();
  for (const r of routes) {
    const m = r.pattern.exec(location.pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
    const result = await r.page(root, params);
    if (mine === renderCount) cleanup = result;
    else result?.();
    return;
  }
  navigate(fallback, { replace: true });
}
