// The members dialog: everyone can see who is in; owners add people by
// the email of their account (POST …/members), change roles and remove
// (PUT/DELETE …/members/{userId}).
import { berth, describe, isCode } from "../api.ts";
import type { Member, Role } from "../../../clients/js/src/index.ts";
import { append, h, openDialog } from "../dom.ts";

const ROLES: Role[] = ["owner", "editor", "viewer"];

export function membersDialog(projectId: string, isOwner: boolean, myId: string, changed: () => void): Promise<void> {
  return openDialog<void>("Members", (body) => {
    const table = h("tbody");
    const error = h("p", { class: "form-error", role: "alert" });
    const load = async () => {
      try {
        const members = await berth.members(projectId);
        table.replaceChildren(...members.map(row));
        changed();
      } catch (e) {
        error.textContent = describe(e, "list the members");
      }
    };
    const roleSelect = (m: Member) => {
      const select = h("select", { "aria-label": `Role of ${m.email}`, disabled: !isOwner },
        ...ROLES.map((r) => h("option", { value: r }, r)));
      select.value = m.role;
      select.addEventListener("change", async () => {
        error.textContent = "";
        try {
          await berth.putMember(projectId, m.userId, select.value as Role);
        } catch (e) {
          error.textContent = describe(e, `change the role of ${m.email}`);
        }
        await load();
      });
      return select;
    };
    const row = (m: Member) => h("tr", { "data-user-id": m.userId },
      h("td", null, m.name || "—"), h("td", null, m.email), h("td", null, roleSelect(m)),
      h("td", null, (isOwner || m.userId === myId) && h("button", {
        type: "button", class: "danger", "aria-label": m.userId === myId ? "Leave the project" : `Remove ${m.email}`,
        onclick: async () => {
          error.textContent = "";
          try {
            await berth.removeMember(projectId, m.userId);
          } catch (e) {
            error.textContent = describe(e, `remove ${m.email}`);
          }
          await load();
        },
      }, m.userId === myId ? "Leave" : "Remove")));
    const who = h("input", { id: "member-email", type: "email", required: true, autocomplete: "off", "aria-describedby": "member-email-hint" });
    const role = h("select", { id: "member-role" }, ...ROLES.map((r) => h("option", { value: r }, r)));
    role.value = "editor";
    const add = async (e: Event) => {
      e.preventDefault();
      error.textContent = "";
      const email = who.value.trim();
      try {
        await berth.addMember(projectId, email, role.value as Role);
        who.value = "";
      } catch (err) {
        // An owner's add is not_found only when no account uses the email.
        error.textContent = isCode(err, "not_found")
          ? `No Berth account uses ${email}: ask them to sign up first (with this email), then add them again.`
          : describe(err, `add ${email}`);
      }
      await load();
    };
    append(body,
      h("table", { class: "members" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Email"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
        table),
      isOwner && h("form", { class: "add-member", onsubmit: add, "aria-label": "Add a member" },
        h("div", { class: "field" }, h("label", { for: "member-email" }, "Email"), who,
          h("p", { id: "member-email-hint", class: "hint" }, "The email of their Berth account: they sign up once before they can be added.")),
        h("div", { class: "field" }, h("label", { for: "member-role" }, "Role"), role),
        h("button", { type: "submit", class: "primary" }, "Add")),
      error);
    void load();
  }, { wide: true }).then(() => undefined);
}
