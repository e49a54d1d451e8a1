// Shared by the container tests: a Berth wired to the real Docker Engine
// (started by scripts/dockerd-start, the ctest fixture `docker`) with the
// busybox test image and small limits, plus a few `docker` CLI probes.
import { execFileSync } from "node:child_process";
import { startBerth, signup } from "../lib/berth.mjs";

export const TEST_IMAGE = process.env.BERTH_TEST_IMAGE ?? "berth-test:latest";
export const LIMITS = { memory: 64 * 1024 * 1024, pids: 64, cpus: 0.5 };

export function startRuntimeBerth(env = {}, options = {}) {
  return startBerth({
    ...options,
    env: {
      BERTH_IMAGE: TEST_IMAGE,
      BERTH_CONTAINER_NETWORK: "none",
      BERTH_CONTAINER_MEMORY: "64m",
      BERTH_CONTAINER_PIDS: String(LIMITS.pids),
      BERTH_CONTAINER_CPUS: String(LIMITS.cpus),
      ...env,
    },
  });
}

export function docker(...args) {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function dockerQuiet(...args) {
  try {
    return docker(...args);
  } catch {
    return null;
  }
}

export function inspect(name) {
  const out = dockerQuiet("inspect", name);
  return out ? JSON.parse(out)[0] : null;
}

export function containersOf(projectId) {
  const out = docker("ps", "-aq", "--filter", `label=io.berth.project=${projectId}`);
  return out ? out.split("\n") : [];
}

// Removes the containers of the given projects (tests clean up after themselves).
export function removeContainers(ids) {
  for (const id of ids) dockerQuiet("rm", "-f", `berth-${id}`);
}

export async function userWithProject(berth, name = "p") {
  const user = await signup(berth.url, "runtime");
  const created = await user.api.post("/api/v1/projects", { name });
  if (created.status !== 201) throw new Error(`create project: ${created.status} ${created.text}`);
  return { user, api: user.api, project: created.json, id: created.json.id };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
