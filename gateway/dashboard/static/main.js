// The dashboard's entry: picks the page the path names and marks it in the navigation.

import { activityPage } from "./activity-page.js";
import { h } from "./dom.js";
import { jobPage } from "./job-page.js";
import { jobsPage } from "./jobs-page.js";

const main = document.getElementById("main");
const path = window.location.pathname;

function mark(page) {
  const link = document.querySelector(`nav a[data-page="${page}"]`);
  if (link) link.setAttribute("aria-current", "page");
}

if (path === "/ui/") {
  mark("jobs");
  jobsPage(main);
} else if (path === "/ui/activity") {
  mark("activity");
  activityPage(main);
} else if (path.startsWith("/ui/jobs/")) {
  jobPage(main, decodeURIComponent(path.slice("/ui/jobs/".length)));
} else {
  main.replaceChildren(h("h1", {}, "No such page"), h("p", {}, h("a", { href: "/ui/" }, "Go to the jobs list")));
}
