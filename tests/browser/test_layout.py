"""Phones, tablets and desktops, measured in Chromium with long content: no page scrolls sideways, every
navigation link can be reached, the composer stays above the on-screen keyboard, the shared chrome reads at
WCAG AA contrast; the gallery's cards; the shortcut sheet; uploads by drag and drop and by paste."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESIGNER_PASSWORD, RECORD_CSP_VIOLATIONS, log_in
from tests.browser.file_events import DROP
from tests.browser.long_content import SEED
from tests.support.images import solid

WIDTHS = {390: 844, 768: 1024, 1440: 900}


@pytest.fixture(scope="module")
def seeded(atelier_server) -> dict:
    """Long content for the designer: ids of a long conversation and a 1536x1024 upload."""
    return json.loads(atelier_server.manage("shell", "-c", SEED).strip().splitlines()[-1])


@pytest.fixture
def browse(chromium_browser, atelier_server, csp_violations) -> Iterator:
    """Opens a logged-in page at a given width (touch on phones); checks the pages for CSP violations."""
    contexts = []

    def open_page(width: int, *, height: int | None = None):
        context = chromium_browser.new_context(
            viewport={"width": width, "height": height or WIDTHS[width]}, has_touch=width < 800
        )
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        log_in(page, atelier_server, password=DESIGNER_PASSWORD)
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            csp_violations.extend(page.evaluate("window.__cspViolations || []"))
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


def paths(seeded: dict) -> dict[str, str]:
    return {
        "conversation": f"/c/{seeded['conversation']}/",
        "home": "/",
        "studio": "/studio/",
        "gallery": "/gallery/",
        "editor": f"/images/{seeded['wide_image']}/edit",
        "api": "/api/keys/",
    }


def sideways_overflow(page) -> list[str]:
    """The elements that stick out to the right of the viewport (empty when the page does not scroll sideways)."""
    return page.evaluate(
        """() => {
          if (document.documentElement.scrollWidth <= innerWidth) return [];
          return [...document.querySelectorAll("body *")].filter((el) => {
            const right = el.getBoundingClientRect().right, parent = el.parentElement.getBoundingClientRect().right;
            return right > innerWidth + 0.5 && parent <= innerWidth + 0.5;
          }).map((el) => `${el.tagName.toLowerCase()}.${el.className} (right edge ${Math.round(el.getBoundingClientRect().right)})`);
        }"""
    )


@pytest.mark.parametrize(
    "width,name",
    [
        (width, name)
        for width in WIDTHS
        for name in ("conversation", "home", "studio", "gallery", "editor", "api")
    ],
)
def test_no_page_scrolls_sideways(browse, atelier_server, seeded, artifacts_dir, width, name):
    page = browse(width)
    page.goto(atelier_server.base_url + paths(seeded)[name])
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts_dir / f"layout-{name}-{width}.png", full_page=name != "conversation")
    assert sideways_overflow(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("name", ["conversation", "studio", "gallery"])
def test_the_top_bar_stays_in_view_down_a_long_page(browse, atelier_server, seeded, name):
    page = browse(1440)
    page.goto(atelier_server.base_url + paths(seeded)[name])
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollHeight") > 900 + 300, "the page is not long enough"
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY + innerHeight >= document.documentElement.scrollHeight - 1")
    box = page.locator(".topbar").bounding_box()
    assert box["y"] == pytest.approx(0, abs=0.5)


# Pairs of controls whose boxes (each line box of a wrapped link) cross. What is pinned (the sticky composer)
# floats over the page on purpose and is left out. A box is cut to what its scrolling (or overflow-hidden)
# ancestors show: a link scrolled out of the sidebar's list is not seen, so it cannot cross anything.
OVERLAPS = """
() => {
  const pinned = (el) => { for (let n = el; n; n = n.parentElement) if (["sticky", "fixed"].includes(getComputedStyle(n).position)) return true; return false; };
  const shown = (el, rect) => {
    let { left, top, right, bottom } = rect;
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      const style = getComputedStyle(n);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const box = n.getBoundingClientRect(), x = box.left + n.clientLeft, y = box.top + n.clientTop;
      left = Math.max(left, x); top = Math.max(top, y);
      right = Math.min(right, x + n.clientWidth); bottom = Math.min(bottom, y + n.clientHeight);
    }
    return { left, top, right, bottom, width: right - left, height: bottom - top };
  };
  const controls = [...document.querySelectorAll("main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary")]
    .filter((el) => el.checkVisibility({ visibilityProperty: true }) && !pinned(el))
    .map((el) => [el, [...el.getClientRects()].map((r) => shown(el, r)).filter((r) => r.width > 0 && r.height > 0)]);
  const name = (el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30)}"`;
  const cross = (ra, rb) => Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 1 && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 1;
  const found = [];
  controls.forEach(([a, ras], i) => controls.slice(i + 1).forEach(([b, rbs]) => {
    if (a.contains(b) || b.contains(a)) return;
    if (ras.some((ra) => rbs.some((rb) => cross(ra, rb)))) found.push(`${name(a)} and ${name(b)}`);
  }));
  return found;
}
"""


@pytest.mark.parametrize(
    "width,name",
    [
        (width, name)
        for width in (390, 768)
        for name in ("conversation", "studio", "gallery", "editor", "api")
    ],
)
def test_no_two_controls_overlap(browse, atelier_server, seeded, width, name):
    page = browse(width)
    page.goto(atelier_server.base_url + paths(seeded)[name])
    page.wait_for_load_state("networkidle")
    assert page.evaluate(OVERLAPS) == []


@pytest.mark.parametrize("width", [390, 768])
def test_the_login_page_fits(chromium_browser, atelier_server, width):
    context = chromium_browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    page.goto(atelier_server.base_url + "/accounts/login/")
    assert sideways_overflow(page) == []
    box = page.get_by_role("button", name="Log in").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    context.close()


@pytest.mark.parametrize("width", [390, 768])
def test_every_navigation_link_is_on_screen_and_works(browse, atelier_server, width):
    page = browse(width)
    navigation = page.get_by_role("navigation", name="Main")
    names = [link.inner_text() for link in navigation.get_by_role("link").all()]
    assert names[:4] == ["Conversations", "Studio", "Gallery", "API"]
    for name in names:
        link = navigation.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, name
        assert page.evaluate(  # nothing covers it: a click lands on the link itself
            "([x, y, name]) => document.elementFromPoint(x, y)?.closest('a')?.textContent.trim() === name",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, name],
        ), name
    for name, path in [("Studio", "/studio/"), ("Gallery", "/gallery/"), ("API", "/api/keys/")]:
        navigation.get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(f"{atelier_server.base_url}{path}")
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
        ).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_composer_stays_above_the_on_screen_keyboard(browse, atelier_server, seeded):
    # With interactive-widget=resizes-content the keyboard shrinks the layout viewport: a 390x420 viewport is
    # the phone with its keyboard up.
    page = browse(390, height=420)
    assert "interactive-widget=resizes-content" in page.locator("meta[name=viewport]").get_attribute(
        "content"
    )
    page.goto(atelier_server.base_url + paths(seeded)["conversation"])
    prompt = page.locator("#composer textarea")
    prompt.focus()
    prompt.press_sequentially("add stars")
    for target in (prompt, page.locator("#composer").get_by_role("button", name="Generate")):
        box = target.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 420
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    covering = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('#composer') !== null",
        [prompt.bounding_box()["x"] + 20, prompt.bounding_box()["y"] + 10],
    )
    assert covering, "something covers the prompt"
    assert sideways_overflow(page) == []


CONTRAST = """
(selectors) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  // The colour behind an element: its own and its ancestors' backgrounds, composed from the page up.
  const backdrop = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) layers.push(rgba(getComputedStyle(node).backgroundColor));
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255]);
  };
  const results = [];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
      const style = getComputedStyle(el);
      const background = backdrop(el);
      const opacity = Number(style.opacity);
      const colour = over([...rgba(style.color).slice(0, 3), rgba(style.color)[3] * opacity], background);
      const [a, b] = [luminance(colour), luminance(background)].sort((x, y) => y - x);
      results.push({ selector, text: el.textContent.trim().slice(0, 30), ratio: (a + 0.05) / (b + 0.05) });
    }
  }
  return results;
}
"""
CHROME = [
    ".brand",
    ".topnav a",
    ".topnav a[aria-current]",
    ".account .muted",
    ".budget-meter",
    ".account .btn",
    ".btn:not(:disabled)",
    ".btn-primary",
    ".btn-quiet",
    ".btn-danger",
    ".muted",
    ".field-help",
    ".badge",
    "label",
    ".drop-hint",
]


@pytest.mark.parametrize("name", ["conversation", "studio", "gallery", "editor", "api"])
def test_the_shared_chrome_reads_at_aa_contrast(browse, atelier_server, seeded, name):
    page = browse(1440)
    page.goto(atelier_server.base_url + paths(seeded)[name])
    measured = page.evaluate(CONTRAST, CHROME)
    assert {m["selector"] for m in measured} >= {".brand", ".topnav a", ".btn-quiet", ".muted"}
    low = [m for m in measured if m["ratio"] < 4.5]
    assert low == [], low


def test_gallery_cards_hold_their_actions_and_images_keep_their_aspect_ratio(browse, atelier_server, seeded):
    for width in (1440, 390):
        page = browse(width)
        page.goto(f"{atelier_server.base_url}/gallery/")
        for card in page.locator(".gallery-item").all()[:8]:
            outer = card.bounding_box()
            for button in card.get_by_role("button").all() + card.get_by_role("link").all():
                box = button.bounding_box()
                assert outer["x"] <= box["x"] and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
                assert (
                    outer["y"] <= box["y"] and box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5
                )
            expect(card.get_by_role("button", name="Delete")).to_be_visible()
        wide = page.locator(f"#image-{seeded['wide_image']} img")
        wide.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=wide.element_handle())
        box = wide.bounding_box()
        assert box["width"] / box["height"] == pytest.approx(1.5, abs=0.03)
        assert wide.evaluate("(img) => getComputedStyle(img).objectFit") != "cover"


# -- The shortcut sheet -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,listed",
    [
        ("conversation", "Shift"),
        ("studio", "Generate"),
        ("editor", "Invert the mask"),
        ("gallery", "This list"),
    ],
)
def test_question_mark_opens_the_pages_shortcut_sheet(browse, atelier_server, seeded, name, listed):
    page = browse(1440)
    page.goto(atelier_server.base_url + paths(seeded)[name])
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_hidden()
    page.locator("body").press("Shift+Slash")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text(listed)
    for _ in range(6):  # Tab stays in the sheet
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('shortcut-sheet').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.getElementById('shortcut-sheet').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('[data-shortcuts-open]')")  # focus went back


def test_shortcuts_never_fire_while_typing(browse, atelier_server, seeded):
    page = browse(1440)
    page.goto(atelier_server.base_url + "/studio/")
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.press_sequentially("what? why?")
    expect(prompt).to_have_value("what? why?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    page.goto(atelier_server.base_url + paths(seeded)["editor"])
    page.get_by_label("What should change?").press_sequentially("bie? ?")
    expect(page.get_by_label("What should change?")).to_have_value("bie? ?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    expect(page.get_by_role("button", name="Brush")).to_have_attribute("aria-pressed", "true")


def test_the_sheet_fits_a_phone(browse, atelier_server, seeded):
    page = browse(390)
    page.goto(atelier_server.base_url + paths(seeded)["editor"])
    page.get_by_role("button", name="Keyboard shortcuts").click()
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    box = sheet.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(sheet.get_by_role("button", name="Close")).to_be_in_viewport()
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_be_hidden()


# -- Uploads by drag and drop and by paste -------------------------------------------------------------


def png_base64(size=(1024, 1024), colour=(30, 120, 200)) -> str:
    return base64.b64encode(solid(size, colour)).decode()


def test_dropping_an_image_on_the_studio_form_uploads_it_for_an_edit(browse, atelier_server):
    page = browse(1440)
    page.goto(f"{atelier_server.base_url}/studio/")
    expect(page.locator("#studio-form .drop-hint")).to_have_count(1)
    page.evaluate(DROP, ["drop", "#id_prompt", png_base64(), "dropped.png"])
    assert page.evaluate("window.__draggingWhileOver")
    assert not page.evaluate("document.getElementById('studio-form').hasAttribute('data-dragging')")
    assert page.evaluate("[...document.getElementById('id_images').files].map((f) => f.name)") == [
        "dropped.png"
    ]
    expect(page.locator("#id_upload_count")).to_have_value("1")  # the page heard the change
    expect(page.locator(".drop-hint")).to_be_visible()  # its <details> opened to show the chosen file
    page.get_by_label("Prompt", exact=True).fill("make the sky violet")
    page.get_by_role("button", name="Generate").click()
    job = page.locator(".job-card").first
    expect(job).to_contain_text("Image API edit", timeout=10_000)
    expect(job.locator(".badge-succeeded")).to_be_visible(timeout=30_000)


def test_pasting_an_image_adds_it_to_the_focused_forms_upload(browse, atelier_server):
    page = browse(390)
    page.goto(f"{atelier_server.base_url}/studio/")
    page.evaluate(DROP, ["paste", "#id_prompt", png_base64(), "first.png"])
    page.evaluate(DROP, ["paste", "#id_prompt", png_base64(colour=(9, 9, 9)), "second.png"])
    names = page.evaluate("[...document.getElementById('id_images').files].map((f) => f.name)")
    assert names == ["first.png", "second.png"]  # a multiple input collects them
    expect(page.locator("#id_upload_count")).to_have_value("2")
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")  # no text was pasted instead


def test_enter_in_the_studio_prompt_is_a_new_line_and_ctrl_enter_generates(browse, atelier_server):
    page = browse(1440)
    page.goto(f"{atelier_server.base_url}/studio/")
    jobs = page.locator(".job-card")
    before = jobs.count()
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.press_sequentially("two lines")
    prompt.press("Enter")
    prompt.press_sequentially("of prompt")
    expect(prompt).to_have_value("two lines\nof prompt")
    page.wait_for_timeout(300)
    assert jobs.count() == before
    prompt.press("Control+Enter")
    expect(jobs).to_have_count(before + 1)
    expect(jobs.first).to_contain_text("two lines")
