// The top bar of the signed-in pages: the brand, page-specific items, the
// account menu (who you are, log out).
import { berth, setUser } from "../api.ts";
import type { User } from "../../../clients/js/src/index.ts";
import { h, icon, type Child } from "../dom.ts";
import { navigate } from "../router.ts";

export function topBar(user: User, ...items: Child[]): HTMLElement {
  const menuId = "account-menu";
  const menu = h("div", { id: menuId, class: "menu", hidden: true },
    h("p", null, user.name || user.email),
    h("p", { class: "hint" }, user.email),
    h("button", { type: "button", onclick: async () => {
      try {
        await berth.logOut();
      } finally {
        setUser(null);
        navigate("/login");
      }
    } }, icon("sign-out"), " Log out"));
  const toggle = h("button", {
    type: "button", class: "account", "aria-expanded": "false", "aria-controls": menuId, "data-user-id": user.id,
    onclick: () => {
      const open = menu.hidden;
      menu.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
    },
  }, icon("account"), h("span", { class: "account-name" }, user.name || user.email));
  return h("header", { class: "topbar" },
    h("a", { href: "/", "data-route": true, class: "brand" }, "Berth"),
    ...items,
    h("div", { class: "spacer" }),
    h("div", { class: "account-wrap" }, toggle, menu));
}
