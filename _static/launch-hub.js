// The JupyterHub launch button. Every course and university has its own hub, so instead of
// sending every reader to the one address in _config.yml, ask for the reader's hub (suggesting
// the last one used in this browser, or the configured one unless it is a placeholder) and open
// the chapter there with nbgitpuller, which the button's link already names.
document.addEventListener("DOMContentLoaded", () => {
  const KEY = "mrilab-jupyterhub";
  const MARK = "/hub/user-redirect/git-pull";
  document.querySelectorAll(`a[href*="${MARK}"]`).forEach((link) => {
    const [configured, query] = link.href.split(MARK);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const placeholder = /(^|\.)example\.(org|com|net|edu)$/.test(new URL(configured).hostname);
      let suggestion = placeholder ? "" : configured;
      try { suggestion = localStorage.getItem(KEY) || suggestion; } catch (e) { /* storage off */ }
      const answer = window.prompt(
        "Address of your JupyterHub (your course or institution gives it), " +
        "for example https://hub.your-university.edu", suggestion);
      if (!answer || !answer.trim()) return;
      const text = answer.trim().includes("://") ? answer.trim() : "https://" + answer.trim();
      let hub;
      try { hub = new URL(text); } catch (e) {
        window.alert(`"${answer}" is not a web address; the JupyterHub was not opened.`);
        return;
      }
      // keep a path prefix (https://host/jupyter), drop a pasted /hub/... page
      const base = hub.origin + hub.pathname.replace(/\/(hub(\/.*)?)?$/, "");
      try { localStorage.setItem(KEY, base); } catch (e) { /* storage off */ }
      window.open(base + MARK + query, "_blank", "noopener");
    });
  });
});
