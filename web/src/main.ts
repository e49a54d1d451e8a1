// The web IDE's entry: styles, routes, and the way back to log-in when the
// session ends.
import "./styles.css";
import { me, onLoggedOut } from "./api.ts";
import { authPage } from "./pages/auth.ts";
import { projectsPage } from "./pages/projects.ts";
import { projectPage } from "./pages/project.ts";
import { navigate, route, startRouter, type Page } from "./router.ts";
import { toast } from "./dom.ts";

/** Pages behind log-in send a visitor without a session to /login. */
const signedIn = (page: Page): Page => async (root, params) => {
  if (!(await me())) return navigate("/login", { replace: true });
  return page(root, params);
};

route("/login", authPage("login"));
route("/signup", authPage("signup"));
route("/", signedIn(projectsPage));
route("/p/:id", signedIn(projectPage));

onLoggedOut(() => {
  toast("Your session has ended: log in again.", "error");
  navigate("/login", { replace: true });
});

startRouter(document.getElementById("app")!);
