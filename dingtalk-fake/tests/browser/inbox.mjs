// Drives the fake's web inbox in headless Chromium, as a person would: reads a markdown work
// notice, presses a card button, writes to the robot, and checks that hostile messages run
// nothing. Started by tests/inbox_browser.rs, which runs the fake and the app and then checks
// what the app received. Every wait is for a DOM condition, bounded by STEP_TIMEOUT.
//
// Environment: INBOX_URL, TASK_ID, CHAT_ID, CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (failure screenshots), DOCS_SCREENSHOT (optional: a picture of the inbox).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

// Each step waits for a state, never for a duration: the bound only decides how long a broken
// step takes to fail, and a loaded machine (parallel builds, a Stream round trip) needs room.
const STEP_TIMEOUT = 45000;
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const INBOX_URL = env("INBOX_URL");
const TASK_ID = env("TASK_ID");
const CARD_NOTICE_ID = env("CARD_NOTICE_ID");
const CHAT_ID = env("CHAT_ID");
const SCREENSHOT_DIR = env("SCREENSHOT_DIR", path.join(os.tmpdir(), "inbox-screenshots"));

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "inbox-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 860 },
  timeout: 60000,
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(STEP_TIMEOUT);
const problems = [];
// Every tab reports what a person would notice: dialogs, script errors, failed requests.
function watch(tab, label) {
  tab.on("dialog", (dialog) => { problems.push(`${label}: a dialog opened: ${dialog.message()}`); dialog.dismiss(); });
  tab.on("pageerror", (err) => problems.push(`${label}: page error: ${err.message}`));
  tab.on("console", (message) => { if (message.type() === "error") problems.push(`${label}: console error: ${message.text()}`); });
}
watch(page, "main tab");
// Blocked inline script would show as a CSP violation: a message tried to run something.
await page.addInitScript(() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
});

let step = "start";
const results = {};

async function check(name, f) {
  step = name;
  process.stderr.write(`- ${name}\n`);
  await f();
}

async function noScriptRan() {
  const pwned = await page.evaluate(() => window.__pwned);
  if (pwned !== undefined) throw new Error(`a message's script ran: window.__pwned = ${pwned}`);
}

try {
  await check("a markdown work notice renders with its heading", async () => {
    await page.goto(`${INBOX_URL}#/user/alice`);
    const notice = page.locator(`article[data-id="notice:${TASK_ID}"]`);
    await notice.locator(".body h3", { hasText: "Weekly report" }).waitFor();
    await notice.locator(".body strong", { hasText: "Revenue" }).waitFor();
    await notice.locator(".tag.unread").waitFor();
    const href = await notice.locator(".body a", { hasText: "dashboard" }).getAttribute("href");
    if (href !== "https://dash.example/q3") throw new Error(`dashboard link is ${href}`);
    // Opening it marks it read; the page shows it without a reload.
    await notice.locator(".body h3").click();
    await notice.locator(".tag.read").waitFor();
    results.noticeRead = true;
  });

  await check("an action-card notice shows its buttons", async () => {
    const card = page.locator(`article[data-id="notice:${CARD_NOTICE_ID}"]`);
    await card.locator(".buttons .btn", { hasText: "Approve" }).waitFor();
    const blocked = card.locator(".buttons .btn", { hasText: "Win a prize" });
    await blocked.waitFor();
    if (await blocked.getAttribute("href")) throw new Error("a javascript: button became a link");
    if (process.env.DOCS_SCREENSHOT) {
      await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false });
      results.docsScreenshot = process.env.DOCS_SCREENSHOT;
    }
  });

  await check("a card button pressed in the page reaches the app and its answer shows", async () => {
    await page.goto(`${INBOX_URL}#/group/${encodeURIComponent(CHAT_ID)}`);
    const card = page.locator('article[data-kind="card"]');
    await card.locator(".body", { hasText: "Expense: 120 CNY taxi" }).waitFor();
    await card.locator('input[name="actionId"]').fill("approve");
    await card.locator('form.press button[type="submit"]').click();
    await page.locator('article[data-kind="card"] .press-record .answer').waitFor();
    await page.locator('article[data-kind="card"] .body dd', { hasText: "pressed approve" }).waitFor();
    results.cardPressed = true;
  });

  await check("with the live socket silent, a pressed card's answer still shows", async () => {
    // A second tab whose live-update socket opens and then never speaks: the page must
    // still look again on its own while a press waits for the app's answer.
    const quiet = await context.newPage();
    quiet.setDefaultTimeout(STEP_TIMEOUT);
    watch(quiet, "quiet tab");
    await quiet.routeWebSocket(/\/_inbox\/api\/live$/, () => {});
    await quiet.goto(`${INBOX_URL}#/group/${encodeURIComponent(CHAT_ID)}`);
    const card = quiet.locator('article[data-kind="card"]');
    await card.locator(".body", { hasText: "Expense: 120 CNY taxi" }).waitFor();
    await card.locator('input[name="actionId"]').fill("reject");
    await card.locator('form.press button[type="submit"]').click();
    // First the press itself (the fake recorded it), then the app's answer to it: a failure
    // then says which of the two never came.
    await quiet.locator('article[data-kind="card"] .press-record[data-action="reject"]').waitFor();
    await quiet.locator('article[data-kind="card"] .press-record[data-action="reject"] .answer').waitFor();
    await quiet.close();
    results.quietPressed = true;
  });

  await check("hostile messages are shown inert", async () => {
    const hostile = page.locator("article", { has: page.locator(".meta .title", { hasText: "Hostile" }) });
    await hostile.locator(".body h4", { hasText: "Hostile" }).waitFor();
    const text = await hostile.locator(".body").innerText();
    if (!text.includes("<script>window.__pwned=1</script>")) throw new Error(`the script is not shown as text: ${text}`);
    const inside = await hostile.locator(".body script, .body img, .body iframe, .body [onerror], .body [onclick]").count();
    if (inside) throw new Error(`${inside} active elements in the message`);
    const jsLinks = await page.locator('a[href^="javascript:" i], [href*="javascript:" i]').count();
    if (jsLinks) throw new Error(`${jsLinks} javascript: links in the page`);
    const hrefs = await page.locator(".body a[href]").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    const bad = hrefs.filter((h) => !/^(https?:|mailto:|tel:)/i.test(h));
    if (bad.length) throw new Error(`unexpected link targets: ${bad.join(", ")}`);
    await hostile.locator(".blocked-link", { hasText: "click me" }).waitFor();
    // Clicking the would-be link does nothing either.
    await hostile.locator(".blocked-link", { hasText: "click me" }).first().click();
    const prize = page.locator(".buttons .btn", { hasText: "Free prize" });
    await prize.click();
    await noScriptRan();
    results.inert = true;
  });

  await check("a message typed to the robot reaches the app and its reply appears", async () => {
    await page.goto(`${INBOX_URL}#/user/alice/robot`);
    await page.locator("#robot-text").fill("hello from the browser");
    await page.locator('#composer button[type="submit"]').click();
    await page.locator('article[data-kind="wrote"]', { hasText: "hello from the browser" }).waitFor();
    const reply = page.locator('article[data-kind="reply"]', { hasText: "hello from the browser" });
    await reply.locator(".body h4", { hasText: "echo" }).waitFor();
    results.robotReply = true;
  });

  await check("nothing ran, nothing was blocked", async () => {
    await noScriptRan();
    const violations = await page.evaluate(() => window.__violations);
    if (violations.length) throw new Error(`CSP violations: ${violations.join("; ")}`);
    if (problems.length) throw new Error(problems.join("; "));
  });
  console.log(JSON.stringify({ ok: true, results }));
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
} catch (err) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `failed-${step.replace(/[^a-z0-9]+/gi, "-")}.png`);
  // Every open tab, the one a step failed in included, with the toast it showed last.
  for (const [index, tab] of context.pages().entries()) {
    const shot = index === 0 ? file : file.replace(/\.png$/, `-tab${index + 1}.png`);
    try { await tab.screenshot({ path: shot, fullPage: true }); } catch (_) { /* the tab is gone */ }
    const toast = await tab.locator("#toast").innerText({ timeout: 1000 }).catch(() => "");
    if (toast) problems.push(`tab ${index + 1} showed: ${toast}`);
  }
  console.log(JSON.stringify({ ok: false, step, error: String(err && err.message || err), screenshot: file, problems, results }));
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}
