// The project view: status bar, file tree, the open ports, editor tabs and
// terminals over one ProjectSocket, with quick open (Ctrl/Cmd+P), save
// (Ctrl/Cmd+S), the members dialog and the project download.
import { berth, describe, isCode, me } from "../api.ts";
import type { FsChanged, Member, ProjectDetail, ProjectSocket } from "../../../clients/js/src/index.ts";
import { h, icon, toast } from "../dom.ts";
import { EditorArea } from "../editor/area.ts";
import { membersDialog } from "../project/members.ts";
import { PortsPanel } from "../project/ports.ts";
import { quickOpen } from "../project/quickopen.ts";
import { StatusBar } from "../project/statusbar.ts";
import { navigate, type Page } from "../router.ts";
import { TerminalPanel } from "../terminal/panel.ts";
import { FilesPanel } from "../tree/panel.ts";
import { topBar } from "./header.ts";

declare global {
  interface Window {
    /** for tests and the console: the open project's socket */
    berthProject?: { id: string; socket: ProjectSocket; role: string };
  }
}

const VERB = { created: "created", modified: "changed", deleted: "deleted", renamed: "moved" } as const;

export const projectPage: Page = async (root, { id }) => {
  const user = (await me())!;
  let project: ProjectDetail;
  try {
    project = await berth.getProject(id!);
  } catch (e) {
    const words = isCode(e, "not_found") ? "There is no such project, or you are not a member of it." : describe(e, "open the project");
    root.append(topBar(user), h("main", { class: "page" }, h("h1", null, "Project not found"), h("p", { role: "alert" }, words),
      h("a", { href: "/", "data-route": true }, "Back to your projects")));
    return;
  }
  document.title = `${project.name} · Berth`;
  const readOnly = project.role === "viewer";
  const socket = berth.connect(project.id);
  window.berthProject = { id: project.id, socket, role: project.role };

  let members: Member[] = [];
  const refreshMembers = () => berth.members(project.id).then((m) => void (members = m), () => {});
  const nameOf = (userId?: string) => {
    if (!userId) return "the container";
    if (userId === user.id) return "you";
    const m = members.find((x) => x.userId === userId);
    if (!m) void refreshMembers();
    return m ? m.name || m.email : "another member";
  };

  // The open tabs come back after a reload of the page.
  const tabsKey = `berth.tabs.${project.id}`;
  let restoring = true; // until the saved tabs are open again
  const files = new FilesPanel({
    socket, projectId: project.id, readOnly,
    open: (p) => void editors.open(p),
    renamed: (from, to) => editors.renamed(from, to),
    deleted: (p) => editors.deleted(p),
  });
  const editors = new EditorArea({
    socket, projectId: project.id, readOnly,
    sizeOf: (p) => files.model.get(p)?.size,
    download: (p) => void files.download(p),
    tabsChanged: (paths, active) => restoring || sessionStorage.setItem(tabsKey, JSON.stringify({ paths, active })),
  });
  const restoreTabs = async () => {
    let saved: { paths?: string[]; active?: string | null } = {};
    try {
      saved = JSON.parse(sessionStorage.getItem(tabsKey) ?? "{}");
    } catch {}
    try {
      for (const p of saved.paths ?? []) if (files.model.get(p)?.kind === "file") await editors.open(p);
      if (saved.active && editors.isOpen(saved.active)) await editors.open(saved.active);
    } finally {
      restoring = false;
    }
  };
  const terminals = new TerminalPanel(socket, readOnly);
  const startButton = readOnly ? null : h("button", { type: "button", class: "small", onclick: () => berth.start(project.id).catch((e) => toast(describe(e, "start the project"), "error")) }, "Start");
  const status = new StatusBar(startButton);
  const ports = new PortsPanel({ projectId: project.id, isOwner: project.role === "owner", say: (t) => status.say(t) });

  const sidebarId = "sidebar";
  const layout = h("div", { class: "workspace" });
  const treeToggle = h("button", {
    type: "button", class: "icon-button tree-toggle", "aria-controls": sidebarId, "aria-expanded": "false", "aria-label": "Show files and ports",
    onclick: () => {
      const open = !layout.classList.contains("tree-open");
      layout.classList.toggle("tree-open", open);
      treeToggle.setAttribute("aria-expanded", String(open));
    },
  }, icon("list-tree"));
  const archive = async () => {
    try {
      // A signed link (5 minutes, no Bearer header needed): the browser
      // downloads it itself, streamed, with the name the server gives it.
      const { url } = await berth.archiveLink(project.id);
      const a = h("a", { href: url, download: "", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      toast(describe(e, "download the project as a zip"), "error");
    }
  };
  const openQuick = () => void quickOpen(files.model.files().map((f) => f.path), (p) => (files.view.select(p), void editors.open(p)));

  layout.append(
    h("div", { id: sidebarId, class: "sidebar" },
      h("nav", { class: "sidebar-files", "aria-label": "Files" }, h("h2", { class: "visually-hidden" }, "Files"), files.el),
      ports.el),
    h("main", { class: "center", "aria-label": project.name }, h("h1", { class: "visually-hidden" }, project.name), editors.el, terminals.el));
  root.append(
    topBar(user,
      treeToggle,
      h("a", { href: "/", "data-route": true, class: "crumb" }, "Projects"),
      h("span", { class: "project-title", "aria-hidden": "true" }, project.name),
      h("span", { class: "badge" }, project.role),
      h("button", { type: "button", onclick: openQuick, title: "Go to file (Ctrl+P)" }, icon("search"), " Go to file"),
      h("button", { type: "button", onclick: () => void membersDialog(project.id, project.role === "owner", user.id, refreshMembers) }, icon("organization"), " Members"),
      h("button", { type: "button", onclick: () => void archive(), title: "Download the project as a zip" }, icon("archive"), " Download zip")),
    layout,
    status.el);

  // ---- the socket ----------------------------------------------------------------
  const offs = [
    socket.on("project:status", (s) => status.status(s)),
    socket.on("sync:status", (s) => status.syncStatus(s)),
    socket.on("fs:changed", (c: FsChanged) => {
      files.applyChanges(c.events, nameOf);
      void editors.applyChanges(c.events);
      const last = c.events[c.events.length - 1];
      if (last) status.say(`${nameOf(last.by)} ${VERB[last.op]} ${last.path}${c.events.length > 1 ? ` and ${c.events.length - 1} more` : ""}`);
    }),
    socket.on("resync", () => {
      void files.reload();
      void editors.reloadAll();
      void terminals.refresh();
      void ports.reload();
    }),
    socket.on("connect", ({ reconnect }) => (status.connected(true), reconnect && (void terminals.refresh(), void ports.reload()))),
    socket.on("port:opened", (p) => ports.opened(p)),
    socket.on("port:closed", (p) => ports.closed(p.port)),
    socket.on("disconnect", () => (status.connected(false), terminals.disconnected())),
    socket.on("refused", (e) => {
      status.connected(false, "Disconnected");
      toast(isCode(e, "not_found") ? "You no longer have access to this project." : describe(e, "connect to the project"), "error", 10000);
    }),
  ];

  const keys = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k === "p" && !document.querySelector("dialog[open]")) {
      e.preventDefault();
      e.stopPropagation();
      openQuick();
    } else if (k === "s") {
      e.preventDefault();
      if (!(e.target as HTMLElement | null)?.closest?.(".monaco-editor")) void editors.save();
    }
  };
  addEventListener("keydown", keys, true);

  void refreshMembers();
  berth.getProject(project.id).then((p) => status.syncStatus(p.sync), () => {});
  socket.ready().then(
    async (s) => {
      status.status(s);
      status.connected(true);
      void ports.reload();
      await files.reload();
      await restoreTabs();
      await terminals.start();
    },
    (e) => {
      restoring = false;
      status.connected(false, "Disconnected");
      toast(describe(e, "connect to the project"), "error");
      if (isCode(e, "not_found")) navigate("/");
    },
  );

  return () => {
    removeEventListener("keydown", keys, true);
    offs.forEach((off) => off());
    terminals.dispose();
    editors.dispose();
    socket.close();
    if (window.berthProject?.socket === socket) delete window.berthProject;
  };
};
