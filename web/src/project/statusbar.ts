// The status bar: the container's state (project:status, with the opening
// progress), storage sync (sync:status), the connection, and a line of
// recent activity (who changed what).
import type { ProjectStatus, SyncState } from "../../../clients/js/src/index.ts";
import { describeStatus } from "../api.ts";
import { h } from "../dom.ts";

const STATE_WORDS: Record<string, string> = {
  stopped: "Stopped", starting: "Starting", ready: "Ready", stopping: "Stopping", error: "Error",
};

export class StatusBar {
  readonly el: HTMLElement;
  private readonly state = h("span", { class: "state", id: "project-state", "data-state": "" });
  private readonly sync = h("span", { class: "sync" });
  private readonly connection = h("span", { class: "connection", role: "status" }, "Connecting…");
  private readonly activity = h("span", { class: "activity", role: "status", "aria-live": "polite" });
  private activityTimer: ReturnType<typeof setTimeout> | null = null;
  private progress: ProjectStatus["progress"];

  constructor(private readonly startButton: HTMLButtonElement | null) {
    this.el = h("footer", { class: "statusbar", "aria-label": "Project status" },
      h("span", { role: "status", "aria-live": "polite", "aria-atomic": "true" }, this.state), startButton, this.connection, this.sync, this.activity);
    if (startButton) startButton.hidden = true;
  }

  status(s: ProjectStatus): void {
    let text = STATE_WORDS[s.state] ?? s.state;
    // Within one start, a status without progress (the start's own, sent
    // between the download's reports) keeps the count already shown.
    const progress = s.state === "starting" ? s.progress ?? this.progress : undefined;
    this.progress = progress;
    if (s.state === "starting" && progress) text += ` (${progress.done}/${progress.total} files)`;
    else if (s.state === "starting") text += "…";
    if (s.state === "error") text += `: ${describeStatus(s.code, s.message)}`;
    this.state.textContent = text;
    this.state.dataset.state = s.state;
    if (this.startButton) this.startButton.hidden = !(s.state === "stopped" || s.state === "error");
  }

  syncStatus(s: SyncState): void {
    const parts: string[] = [];
    if (s.pending > 0) parts.push(`${s.pending} change${s.pending === 1 ? "" : "s"} waiting for storage`);
    if (s.failed.length > 0) parts.push(`${s.failed.length} file${s.failed.length === 1 ? "" : "s"} storage refused: ${s.failed.map((f) => f.path).join(", ")}`);
    this.sync.textContent = parts.join(" · ") || "All changes stored";
    this.sync.title = s.failed.map((f) => `${f.path}: ${f.message}`).join("\n");
  }

  /** While disconnected the state shown is only the last one known: it is dimmed, and the connection says why. */
  connected(yes: boolean, why = ""): void {
    this.connection.textContent = yes ? "" : why || "Reconnecting…";
    this.connection.hidden = yes;
    this.state.classList.toggle("stale", !yes);
    this.state.title = yes ? "" : "The last state known: the page is not connected to the server";
  }

  /** Who changed what, for a few seconds. */
  say(text: string): void {
    this.activity.textContent = text;
    if (this.activityTimer) clearTimeout(this.activityTimer);
    this.activityTimer = setTimeout(() => (this.activity.textContent = ""), 6000);
  }
}
