// Time from `POST /projects/{id}/start` to its `ready` answer, against a real
// Docker Engine, beside two references timed in the same run: a direct
// Engine API create + start of the very container Berth makes (the same
// Config and HostConfig, read back from Berth's own container: the physical
// limit) and `docker run --rm` of the same image (what a user would compare to).
//
//   scripts/dockerd-start && build/default/src/app/berth image build --missing-only
//   node bench/containers/start.mjs [--runs 20] [--image berth-workspace:latest]
//
// cold: no container exists (each run ends with a stop, which removes it)
// warm: the container exists but is stopped (stopped behind Berth's back)
// ready: the project is already running (the idempotent path)
import { execFileSync, spawnSync } from "node:child_process";
import { request } from "node:http";
import { startBerth, signup } from "../../tests/js/lib/berth.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const runs = Number(arg("--runs", 20)) || 20;
const image = arg("--image", process.env.BERTH_TEST_IMAGE ?? "berth-test:latest");

// One Engine API call over the unix socket, as a minimal client would make it.
function engineCall(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: "/var/run/docker.sock", method, path,
      headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {} }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode < 300 ? resolve(text ? JSON.parse(text) : null) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(data);
  });
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95), min: s[0], max: s[s.length - 1] };
};
const fmt = (name, xs) => {
  const { median, p95, min, max } = stats(xs);
  return `${name.padEnd(38)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   (min ${min.toFixed(1)}, max ${max.toFixed(1)}, n=${xs.length})`;
};
const now = () => performance.now();

const berth = await startBerth({
  env: { BERTH_IMAGE: image, BERTH_CONTAINER_NETWORK: "none", BERTH_CONTAINER_MEMORY: "256m", BERTH_LOG_LEVEL: "error" },
});
try {
  const user = await signup(berth.url, "bench");
  const id = (await user.api.post("/api/v1/projects", { name: "bench" })).json.id;
  const start = async () => {
    const t0 = now();
    const r = await user.api.post(`/api/v1/projects/${id}/start`);
    const t = now() - t0;
    if (r.json?.state !== "ready") throw new Error(`start failed: ${r.status} ${r.text}`);
    return t;
  };
  const stop = async () => {
    const r = await user.api.post(`/api/v1/projects/${id}/stop`);
    if (r.json?.state !== "stopped") throw new Error(`stop failed: ${r.status} ${r.text}`);
  };

  await start(); // warm-up: page cache, image layers
  // The container exactly as Berth creates it, for the direct reference.
  const made = JSON.parse(execFileSync("docker", ["inspect", `berth-${id}`], { encoding: "utf8" }))[0];
  const spec = { Image: made.Config.Image, Cmd: made.Config.Cmd, Entrypoint: made.Config.Entrypoint, User: made.Config.User,
    WorkingDir: made.Config.WorkingDir, Env: made.Config.Env, Labels: { "io.berth.bench": "direct" }, HostConfig: made.HostConfig };
  await stop();
  const direct = async () => {
    const t0 = now();
    const c = await engineCall("POST", "/containers/create", spec);
    await engineCall("POST", `/containers/${c.Id}/start`);
    const t = now() - t0;
    await engineCall("DELETE", `/containers/${c.Id}?force=true`);
    return t;
  };
  await direct(); // its own warm-up
  const cold = [], warm = [], ready = [], dockerRun = [], engineDirect = [];
  for (let i = 0; i < runs; i++) {
    cold.push(await start());
    ready.push(await start());
    execFileSync("docker", ["stop", "-t", "0", `berth-${id}`], { stdio: "ignore" });
    warm.push(await start());
    await stop();
    const t0 = now();
    const r = spawnSync("docker", ["run", "--rm", "--network", "none", image, "true"], { stdio: "ignore" });
    dockerRun.push(now() - t0);
    if (r.status !== 0) throw new Error("docker run failed");
    engineDirect.push(await direct());
  }
  const engine = execFileSync("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"], { encoding: "utf8" }).trim();
  console.log(`container start, ${runs} runs each, image ${image}, Docker Engine ${engine}`);
  console.log(fmt("berth start, cold (no container)", cold));
  console.log(fmt("berth start, warm (stopped container)", warm));
  console.log(fmt("berth start, already ready", ready));
  console.log(fmt("Engine API create+start (the limit)", engineDirect));
  console.log(fmt("docker run --rm (reference)", dockerRun));
  const limit = stats(cold).median / stats(engineDirect).median;
  const ratio = stats(cold).median / stats(dockerRun).median;
  console.log(`cold median / direct create+start median = ${limit.toFixed(2)}; / docker run median = ${ratio.toFixed(2)}`);
} finally {
  await berth.stop();
}
