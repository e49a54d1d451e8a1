// Time from `POST /projects/{id}/start` to its `ready` answer, against a real
// Docker Engine with the busybox test image, beside `docker run --rm` of the
// same image timed in the same run (the reference a user would compare to).
//
//   scripts/dockerd-start && build/default/src/app/berth image build --test-only
//   node bench/containers/start.mjs [--runs 20]
//
// cold: no container exists (each run ends with a stop, which removes it)
// warm: the container exists but is stopped (stopped behind Berth's back)
// ready: the project is already running (the idempotent path)
import { execFileSync, spawnSync } from "node:child_process";
import { startBerth, signup } from "../../tests/js/lib/berth.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 20) || 20;
const image = process.env.BERTH_TEST_IMAGE ?? "berth-test:latest";

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
  await stop();
  const cold = [], warm = [], ready = [], dockerRun = [];
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
  }
  const engine = execFileSync("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"], { encoding: "utf8" }).trim();
  console.log(`container start, ${runs} runs each, image ${image}, Docker Engine ${engine}`);
  console.log(fmt("berth start, cold (no container)", cold));
  console.log(fmt("berth start, warm (stopped container)", warm));
  console.log(fmt("berth start, already ready", ready));
  console.log(fmt("docker run --rm (reference)", dockerRun));
  const ratio = stats(cold).median / stats(dockerRun).median;
  console.log(`cold median / docker run median = ${ratio.toFixed(2)} (target ≤ 1.5, and cold < 300 ms)`);
} finally {
  await berth.stop();
}
