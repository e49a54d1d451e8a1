// Sign up and log in: one form each, errors in words, then the project list.
import { berth, describe, me, setUser } from "../api.ts";
import { BerthError } from "../../../clients/js/src/index.ts";
import { h } from "../dom.ts";
import { navigate, type Page } from "../router.ts";

export function authPage(mode: "login" | "signup"): Page {
  return async (root) => {
    if (await me()) return navigate("/", { replace: true });
    const signup = mode === "signup";
    document.title = signup ? "Sign up · Berth" : "Log in · Berth";
    const error = h("p", { class: "form-error", role: "alert", id: "auth-error" });
    const email = h("input", { id: "email", name: "email", type: "email", autocomplete: "email", required: true });
    const password = h("input", {
      id: "password", name: "password", type: "password", required: true, minlength: signup ? 8 : null, maxlength: 128,
      autocomplete: signup ? "new-password" : "current-password", "aria-describedby": signup ? "password-hint" : null,
    });
    const name = h("input", { id: "name", name: "name", type: "text", autocomplete: "name" });
    const submit = h("button", { type: "submit", class: "primary" }, signup ? "Create account" : "Log in");

    const onSubmit = async (e: Event) => {
      e.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      try {
        const input = { email: email.value.trim(), password: password.value };
        const session = signup ? await berth.signUp({ ...input, name: name.value.trim() || undefined }) : await berth.logIn(input);
        setUser(session.user);
        navigate("/");
      } catch (err) {
        error.textContent = authError(err, signup);
        (signup && err instanceof BerthError && err.status === 409 ? email : password).focus();
      } finally {
        submit.disabled = false;
      }
    };

    root.append(
      h("main", { class: "auth" },
        h("h1", null, h("span", { class: "brand" }, "Berth")),
        h("form", { class: "card stack", onsubmit: onSubmit, "aria-labelledby": "auth-title", novalidate: false },
          h("h2", { id: "auth-title" }, signup ? "Create your account" : "Log in"),
          h("label", { for: "email" }, "Email"), email,
          signup && h("label", { for: "name" }, "Name (optional)"), signup && name,
          h("label", { for: "password" }, "Password"), password,
          signup && h("p", { id: "password-hint", class: "hint" }, "8 to 128 characters."),
          error, submit,
          signup
            ? h("p", null, "Already have an account? ", h("a", { href: "/login", "data-route": true }, "Log in"))
            : h("p", null, "New to Berth? ", h("a", { href: "/signup", "data-route": true }, "Create an account")))));
    email.focus();
  };
}

function authError(err: unknown, signup: boolean): string {
  if (err instanceof BerthError) {
    if (!signup && err.status === 401) return "Wrong email or password.";
    if (signup && err.status === 409) return "An account with this email already exists: log in instead.";
    if (signup && err.status === 403) return "Sign-up is closed on this server: ask its administrator for an account.";
    if (err.code === "bad_request") return err.message.charAt(0).toUpperCase() + err.message.slice(1);
  }
  return describe(err, signup ? "create the account" : "log in");
}
