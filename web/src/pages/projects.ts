// The project list: create (name + template), open, rename, delete.
import { berth, describe, me } from "../api.ts";
import type { Project, Template } from "../../../clients/js/src/index.ts";
import { clear, confirmDialog, h, icon, promptDialog, toast } from "../dom.ts";
import { navigate, type Page } from "../router.ts";
import { topBar } from "./header.ts";

export const projectsPage: Page = async (root) => {
  document.title = "Projects · Berth";
  const user = (await me())!;
  const list = h("ul", { class: "project-list", "aria-label": "Your projects" });
  const listStatus = h("p", { class: "hint", role: "status" }, "Loading projects…");
  const error = h("p", { class: "form-error", role: "alert" });
  const name = h("input", { id: "project-name", type: "text", required: true, maxlength: 100, autocomplete: "off" });
  const template = h("select", { id: "project-template" });
  const create = h("button", { type: "submit", class: "primary" }, icon("add"), " Create project");

  async function load(): Promise<void> {
    try {
      const projects = await berth.listProjects();
      clear(list);
      for (const p of projects) list.append(row(p));
      listStatus.textContent = projects.length ? "" : "No projects yet: create one above.";
    } catch (e) {
      listStatus.textContent = describe(e, "list your projects");
    }
  }

  function row(p: Project): HTMLElement {
    const canRename = p.role !== "viewer";
    return h("li", { class: "project-row", "data-project-id": p.id },
      h("a", { href: `/p/${encodeURIComponent(p.id)}`, "data-route": true, class: "project-name" }, p.name),
      h("span", { class: "badge" }, p.role),
      h("span", { class: "hint" }, p.templateId),
      h("span", { class: "hint" }, "changed " + new Date(p.updatedAt).toLocaleString()),
      h("span", { class: "row-actions" },
        canRename && h("button", { type: "button", "aria-label": `Rename ${p.name}`, onclick: () => rename(p) }, icon("edit"), " Rename"),
        p.role === "owner" && h("button", { type: "button", class: "danger", "aria-label": `Delete ${p.name}`, onclick: () => remove(p) }, icon("trash"), " Delete")));
  }

  async function rename(p: Project): Promise<void> {
    const next = await promptDialog("Rename project", "New name", p.name, "Rename");
    if (!next || next === p.name) return;
    try {
      await berth.updateProject(p.id, { name: next });
      toast(`Renamed to ${next}.`);
      await load();
    } catch (e) {
      toast(describe(e, "rename the project"), "error");
    }
  }

  async function remove(p: Project): Promise<void> {
    const ok = await confirmDialog("Delete project", `Delete “${p.name}” and all its files? This cannot be undone.`, "Delete", true);
    if (!ok) return;
    try {
      const r = await berth.deleteProject(p.id);
      toast(r.deleting ? r.message : `Deleted ${p.name}.`);
      await load();
    } catch (e) {
      toast(describe(e, "delete the project"), "error");
    }
  }

  const onCreate = async (e: Event) => {
    e.preventDefault();
    error.textContent = "";
    create.disabled = true;
    try {
      const p = await berth.createProject({ name: name.value.trim(), templateId: template.value || undefined });
      navigate(`/p/${encodeURIComponent(p.id)}`);
    } catch (err) {
      error.textContent = describe(err, "create the project");
    } finally {
      create.disabled = false;
    }
  };

  root.append(
    topBar(user),
    h("main", { class: "page" },
      h("h1", null, "Projects"),
      h("form", { class: "card create-form", onsubmit: onCreate, "aria-labelledby": "create-title" },
        h("h2", { id: "create-title" }, "New project"),
        h("div", { class: "field" }, h("label", { for: "project-name" }, "Name"), name),
        h("div", { class: "field" }, h("label", { for: "project-template" }, "Template"), template),
        create, error),
      h("section", { "aria-labelledby": "list-title" }, h("h2", { id: "list-title" }, "Your projects"), listStatus, list)));

  berth.templates().then(
    (templates: Template[]) => {
      for (const t of templates) template.append(h("option", { value: t.id, title: t.description }, t.name));
      template.value = templates.some((t) => t.id === "blank") ? "blank" : (templates[0]?.id ?? "");
    },
    (e) => (error.textContent = describe(e, "load the templates")),
  );
  await load();
  name.focus();
};
