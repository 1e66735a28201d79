"""The board in a real browser: Debian's headless Chromium, driven through its chromedriver
with Selenium, against the running app. Sign-in from a chat link, the page under its
Content-Security-Policy, keyboard navigation, charts with their text, sign-out, and the
refusal of a link used twice. A screenshot of each page is kept as a test artefact.

Nothing downloads a browser: the test uses /usr/bin/chromium and /usr/bin/chromedriver
(`.ci/run` installs both with apt-get) and is skipped, saying so, when they are absent.
Selenium's calls block, so they run in a thread while the app serves on the test's loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.scenarios.board import board_kit as kit

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ERIN, LEE = "U0EMPL001", "U0LEAD001"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Debian's chromium and chromium-driver are not installed "
           "(apt-get install chromium chromium-driver; .ci/run installs them)")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The browser is what is under test here; SQLite is enough (the pages are tested on
    PostgreSQL too, without a browser)."""
    return sqlite_url


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    """Where screenshots go: TOUCHPOINT_TEST_ARTEFACTS when CI names a folder to keep."""
    folder = Path(os.environ.get("TOUCHPOINT_TEST_ARTEFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browser:
    """A headless Chromium whose every call runs in a worker thread."""

    def __init__(self, driver: webdriver.Chrome):
        self.driver = driver

    async def __call__(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)

    async def open(self, url: str) -> None:
        await self(self.driver.get, url)

    async def text(self) -> str:
        return await self(lambda: self.driver.find_element(By.TAG_NAME, "body").text)

    async def submit(self, xpath: str) -> None:
        """Press a form's button and wait for the page it answers with."""
        def press() -> None:
            old = self.driver.find_element(By.TAG_NAME, "html")
            self.driver.find_element(By.XPATH, xpath).click()
            WebDriverWait(self.driver, 10).until(expected_conditions.staleness_of(old))
        await self(press)

    async def console(self) -> list[dict[str, Any]]:
        return await self(self.driver.get_log, "browser")


@pytest.fixture
async def browser(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Browser]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,2000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # With both paths given Selenium Manager has nothing to find; offline, it fetches nothing.
    monkeypatch.setenv("SE_OFFLINE", "true")
    driver = await asyncio.to_thread(
        webdriver.Chrome, options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield Browser(driver)
    finally:
        await asyncio.to_thread(driver.quit)


def csp_violations(console: list[dict[str, Any]]) -> list[str]:
    return [entry["message"] for entry in console
            if "Content Security Policy" in entry["message"]
            or "Content-Security-Policy" in entry["message"]]


def label(element: WebElement) -> str:
    """An element as its tag and its text (hidden text too: the skip link's, until focused)."""
    return f"{element.tag_name}:{' '.join(element.get_attribute('textContent').split())}"


async def tab_through(browser: Browser) -> list[str]:
    """The elements Tab reaches from the top of the page, in order, until focus leaves the
    page or comes round again: each as its tag and text."""
    driver = browser.driver

    def walk() -> list[str]:
        driver.refresh()  # focus starts again at the top of the document
        reached: list[str] = []
        for _ in range(60):
            webdriver.ActionChains(driver).send_keys(Keys.TAB).perform()
            focused: WebElement = driver.switch_to.active_element
            name = label(focused)
            if focused.tag_name == "body" or name in reached:
                break
            reached.append(name)
        return reached

    return await browser(walk)


async def focusable(browser: Browser) -> list[str]:
    def every() -> list[str]:
        links = browser.driver.find_elements(By.CSS_SELECTOR, "a[href], button")
        return [label(element) for element in links]
    return await browser(every)


async def test_signing_in_reading_the_board_and_signing_out_in_chromium(
        bot, slack, slack_sender, browser, artefacts):
    link = kit.local(await kit.ask_link(slack_sender, slack, ERIN), bot)

    await browser.open(link)
    assert browser.driver.current_url == bot.url + "/board"  # the token left the address
    text = await browser.text()
    assert "How IT is performing" in text and "Signed in as erin.employee" in text
    assert "For IT leads" not in text
    await browser(browser.driver.save_screenshot, str(artefacts / "board-employee.png"))

    # The CSP lets the board's own style sheet in (its focus outline is drawn) and the
    # page breaks none of it.
    assert csp_violations(await browser.console()) == []
    skip_hidden = await browser(lambda: browser.driver.find_element(
        By.CSS_SELECTOR, "a.skip").value_of_css_property("left"))
    assert skip_hidden == "-999px"

    # Keyboard: Tab reaches every link and button, the skip link first; Enter on it moves
    # the reader to the figures.
    reached = await tab_through(browser)
    assert reached[0] == "a:Skip to the figures"
    assert sorted(reached) == sorted(await focusable(browser))
    assert "button:Sign out" in reached
    await browser(browser.driver.refresh)
    await browser(lambda: webdriver.ActionChains(browser.driver)
                  .send_keys(Keys.TAB).send_keys(Keys.ENTER).perform())
    assert browser.driver.current_url.endswith("/board#main")

    # Charts: each an image with a title and a description, a table of its figures beside
    # it; no image without alt text.
    def charts() -> list[tuple[str, str, int]]:
        found = []
        for svg in browser.driver.find_elements(By.CSS_SELECTOR, "svg"):
            title = svg.find_element(By.TAG_NAME, "title").get_attribute("textContent")
            described = [browser.driver.find_element(By.ID, ident)
                         for ident in svg.get_attribute("aria-labelledby").split()]
            beside = svg.find_elements(By.XPATH, "ancestor::div[@class='figure']//table")
            found.append((svg.get_attribute("role"), title.strip(),
                          len(described) + len(beside)))
        return found

    found = await browser(charts)
    assert found, "the board draws its trends"
    for role, title, labels_and_tables in found:
        assert role == "img" and title
        assert labels_and_tables >= 3, title  # title, description and a table
    assert await browser(lambda: browser.driver.find_elements(
        By.CSS_SELECTOR, "img:not([alt])")) == []

    # Sign out: the form posts its CSRF token; the board is gone from this browser.
    await browser.submit("//button[normalize-space()='Sign out']")
    assert "You are signed out." in await browser.text()
    await browser(browser.driver.save_screenshot, str(artefacts / "board-signed-out.png"))
    await browser.open(bot.url + "/board")
    assert "How IT is performing" not in await browser.text()

    # The same link a second time is refused.
    await browser.open(link)
    refused = await browser.text()
    assert "has expired or has already been used" in refused
    assert "How IT is performing" not in refused
    assert csp_violations(await browser.console()) == []


async def test_an_it_lead_sees_the_breakdowns_in_chromium(
        bot, slack, slack_sender, browser, artefacts):
    await browser.open(kit.local(await kit.ask_link(slack_sender, slack, LEE), bot))
    text = await browser.text()
    assert "Signed in as lee.lead" in text
    assert "For IT leads: per assignee and per team" in text
    assert csp_violations(await browser.console()) == []
    await browser(browser.driver.save_screenshot, str(artefacts / "board-it-lead.png"))


async def test_signing_in_inside_the_teams_tab_by_pasting_the_link_in_chromium(
        bot, slack, slack_sender, browser, artefacts):
    link = await kit.ask_link(slack_sender, slack, ERIN)
    await browser.open(bot.url + "/board/tab")

    def paste_and_sign_in() -> None:
        old = browser.driver.find_element(By.TAG_NAME, "html")
        field = browser.driver.find_element(By.ID, "token")
        field.send_keys(link, Keys.ENTER)  # the keyboard alone, as the label invites
        WebDriverWait(browser.driver, 10).until(expected_conditions.staleness_of(old))

    await browser(paste_and_sign_in)
    assert browser.driver.current_url == bot.url + "/board/tab"
    assert "Signed in as erin.employee" in await browser.text()
    [cookie] = await browser(browser.driver.get_cookies)
    assert cookie["name"] == "touchpoint_board_tab"
    assert cookie["sameSite"] == "None" and cookie["secure"] and cookie["httpOnly"]
    assert csp_violations(await browser.console()) == []
    await browser(browser.driver.save_screenshot, str(artefacts / "board-teams-tab.png"))

    await browser.submit("//button[normalize-space()='Sign out']")
    assert "You are signed out." in await browser.text()
    assert await browser(browser.driver.get_cookies) == []
