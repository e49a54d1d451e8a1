// A starting point: run it with `npm start` in the terminal.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  res.end("Hello from Berth!\n");
}).listen(port, () => console.log(`listening on port ${port}`));
