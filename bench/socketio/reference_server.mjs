// The reference: the official Node.js socket.io 4.8 server with the same
// events as `berth dev bench-server`, so one client load measures both.
//   node bench/socketio/reference_server.mjs PORT
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 3100);
const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 1e6, pingInterval: 25000, pingTimeout: 20000 });
io.on("connection", (socket) => {
  socket.on("echo", (data, ack) => ack?.(data));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack?.();
  });
  socket.on("broadcast", (room, data, ack) => {
    io.to(room).emit("news", data);
    ack?.();
  });
});
http.listen(port, "127.0.0.1", () => console.log(`reference socket.io server on 127.0.0.1:${port}`));
