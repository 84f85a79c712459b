#!/usr/bin/env python3
"""Drives the real page in headless Chromium: login, sync, duplicates preview, apply and undo, listening, playlists
for you, unified update.

Starts `playkeeper demo` (the emulator and the service on a temporary SQLite store), then checks the page's
contents at 1280 px and at 390 px wide, with no horizontal scrolling, and saves a screenshot of each.

    python3 Tests/Browser/browser_test.py --binary .build/debug/playkeeper --out artifacts/screenshots
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(binary, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_") and k != "DATABASE_URL"}
    process = subprocess.Popen([binary, "demo", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, text=True)
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise SystemExit(f"the demo did not start: {url!r} {process.stderr.read()}")
    return process, url


def browser():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]:
        options.add_argument(flag)
    # The console is read at the end: a page that breaks its Content-Security-Policy says so there.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def set_width(driver, width, height):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def no_horizontal_scroll(driver, what):
    scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    check(scroll <= inner, f"{what}: the page is {scroll} px wide in a {inner} px window")


failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def submit(driver, element):
    """Clicks a form's button and waits for the page it redirects to (every form answers with a notice, which
    travels in a one-time cookie, not in the address)."""
    element.click()
    WebDriverWait(driver, 40).until(expected_conditions.staleness_of(element))
    WebDriverWait(driver, 40).until(lambda d: d.find_elements(By.ID, "notice"))
    check("notice" not in driver.current_url, "the notice is not in the address")


def notice(driver):
    found = driver.find_elements(By.ID, "notice")
    return found[0].text if found else ""


def screenshot(driver, out, name):
    path = os.path.join(out, name)
    driver.save_screenshot(path)
    print(f"     saved {path}")


def at_both_widths(driver, page, what, out, name):
    """Loads the page at a desktop and a phone width: no horizontal scrolling, and a screenshot of each.
    Leaves the window at the desktop width."""
    for width, height in [(1280, 900), (390, 844)]:
        set_width(driver, width, height)
        driver.get(page)
        no_horizontal_scroll(driver, f"{what} at {width} px")
        screenshot(driver, out, f"{name}-{width}.png")
    set_width(driver, 1280, 900)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    demo, url = start_demo(args.binary, free_port())
    driver = browser()
    driver.set_page_load_timeout(60)
    try:
        # Logged out: the login button.
        driver.get(url)
        check("Log in with Spotify" in driver.page_source, "the home page offers the login")
        driver.find_element(By.ID, "login").click()
        # Back from the emulator's consent: the library page. Sync now waits for the sync to finish.
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "sync"))
        check("library" in driver.find_element(By.TAG_NAME, "h1").text, "logged in, the library page")
        submit(driver, driver.find_element(By.ID, "sync"))
        check("finished" in notice(driver) or "already" in notice(driver), f"the sync ran ({notice(driver)})")
        if "already" in notice(driver):
            time.sleep(3)
            driver.get(url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#playlists tbody tr")
        check(len(rows) >= 5, f"the library lists the playlists ({len(rows)})")
        check("Liked Songs" in driver.page_source, "Liked Songs is listed")
        at_both_widths(driver, url, "home", args.out, "home")

        # A playlist with duplicates: the preview explains each group.
        driver.get(url)
        target = None
        for row in driver.find_elements(By.CSS_SELECTOR, "#playlists tbody tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if cells[3].text == "yes" and cells[4].text.isdigit() and int(cells[4].text) > 0 and "Liked" not in cells[0].text:
                target = cells[0].find_element(By.TAG_NAME, "a").get_attribute("href")
                break
        check(target is not None, "a playlist with duplicates is listed")
        driver.get(target)
        groups = driver.find_elements(By.CSS_SELECTOR, ".group")
        check(len(groups) > 0, f"the duplicates preview shows groups ({len(groups)})")
        check(all(g.find_element(By.CSS_SELECTOR, ".muted").text for g in groups), "every group is explained")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr")) > 0, "the entries are listed")
        at_both_widths(driver, target, "playlist page", args.out, "playlist")
        driver.get(target)
        before = len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr"))
        submit(driver, driver.find_element(By.ID, "apply"))
        check("Removed the duplicates" in notice(driver) and "verified" in notice(driver), f"applied ({notice(driver)})")
        undo = driver.find_elements(By.CSS_SELECTOR, "button.undo")
        check(len(undo) >= 1, "the journal offers an undo")
        screenshot(driver, args.out, "journal-1280.png")
        driver.get(target)
        after = len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr"))
        check(after < before, f"the playlist lost its extra copies ({before} -> {after})")
        driver.get(url + "/journal")
        submit(driver, driver.find_elements(By.CSS_SELECTOR, "button.undo")[0])
        check("Restored" in notice(driver), f"undone ({notice(driver)})")
        driver.get(target)
        restored = len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr"))
        check(restored == before, f"the playlist is whole again ({restored} entries)")

        # The Listening page: the demo's year of history, drawn as SVG charts with a table beside each.
        WebDriverWait(driver, 60).until(lambda d: d.get(url + "/listening?period=1y") or d.find_elements(By.ID, "stats"))
        plays = driver.find_element(By.ID, "stat-plays").text
        check(int(plays.split()[0]) > 1000, f"the Listening page shows the demo's year of plays ({plays!r})")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        check(len(charts) == 3, f"three charts, each an image with a title ({len(charts)})")
        check(all(c.find_element(By.TAG_NAME, "title").get_attribute("textContent") for c in charts), "every chart has a title")
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart-per-day rect")
        check(len(bars) >= 12, f"a year's plays are drawn per month ({len(bars)} bars)")
        check(len(driver.find_elements(By.CSS_SELECTOR, "table.sr-only")) == 3, "a table beside each chart for screen readers")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#top-tracks tbody tr")) == 20, "the top 20 songs")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")) > 0, "each own playlist's songs played")
        at_both_widths(driver, url + "/listening?period=1y", "listening page", args.out, "listening")
        driver.get(url + "/listening?period=90d")
        check(driver.find_element(By.CSS_SELECTOR, ".periods a.selected").text == "90 days", "the period is chosen by a link")
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart-per-day rect")
        check(len(bars) > 60, f"90 days are drawn per day ({len(bars)} bars)")

        # Playlists for you: the demo turned every built-in on after importing its year; each song says why it is there.
        def all_on(d):
            d.get(url + "/smart")
            cards = d.find_elements(By.CSS_SELECTOR, "#smart-list .card")
            return len(cards) >= 5 and all("Turn off" in c.text for c in cards)
        WebDriverWait(driver, 90, poll_frequency=2).until(all_on)
        names = driver.find_element(By.ID, "smart-list").text
        for name in ["On repeat", "Forgotten favourites", "Never played", "Discovered", "Top songs"]:
            check(name in names, f"{name} is listed and on")
        at_both_widths(driver, url + "/smart", "playlists for you", args.out, "smart")
        for key, words in [("on-repeat", "plays in the last 30 days"), ("forgotten-favourites", "the last on"),
                           ("never-played", "never played"), ("discovered", "first played on")]:
            driver.get(url + "/smart/" + key)
            songs = driver.find_elements(By.CSS_SELECTOR, "#songs li")
            check(len(songs) > 0, f"{key} holds songs from the demo's year ({len(songs)})")
            check(all(words in s.find_element(By.CSS_SELECTOR, ".muted").text for s in songs[:10]),
                  f"each song of {key} says why it is there ({words!r})")
        at_both_widths(driver, url + "/smart/on-repeat", "a smart playlist's page", args.out, "smart-playlist")
        # A rule of one's own: previewed with a plain form post, then created.
        driver.get(url + "/smart")
        form = driver.find_element(By.ID, "rule-form")
        form.find_element(By.NAME, "name").send_keys("Evening regulars")
        window = form.find_element(By.NAME, "window")
        window.clear()
        window.send_keys("90d")
        form.find_element(By.NAME, "min_plays").send_keys("5")
        button = driver.find_element(By.ID, "rule-preview")
        button.click()
        WebDriverWait(driver, 40).until(expected_conditions.staleness_of(button))
        previewed = driver.find_elements(By.CSS_SELECTOR, "#preview li")
        check(len(previewed) > 0, f"the rule's preview lists songs ({len(previewed)})")
        check(driver.find_element(By.NAME, "name").get_attribute("value") == "Evening regulars", "the form keeps what was written")
        submit(driver, driver.find_element(By.ID, "rule-create"))
        check("finished" in notice(driver), f"the rule's playlist was made ({notice(driver)})")
        check(driver.current_url.endswith("/smart/evening-regulars"), f"its page follows ({driver.current_url})")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#songs li")) == len(previewed), "it holds what the preview showed")

        # The unified playlist: update it from the page.
        driver.get(url + "/unified")
        submit(driver, driver.find_element(By.ID, "unified-update"))
        check("finished" in notice(driver), f"the unified playlist was updated ({notice(driver)})")
        status = driver.find_element(By.ID, "unified-status").text
        check(re.search(r"All my tracks: \d+ songs", status) is not None, f"its status shows the songs ({status[:80]!r})")
        at_both_widths(driver, url + "/unified", "unified page", args.out, "unified")
        driver.get(url + "/unified")
        check(not driver.find_elements(By.ID, "notice"), "a notice is shown once")
        driver.get(url + "/account?notice=" + "Your%20account%20is%20locked")
        check(not driver.find_elements(By.ID, "notice"), "a notice in the address is not shown")
        check(re.search(r"\d{4}-\d{2}-\d{2}", driver.find_element(By.ID, "login-expiry").text) is not None,
              "the account page shows the login expiry date")
        check(driver.execute_script("return getComputedStyle(document.body).margin") == "0px",
              "the stylesheet applies under the Content-Security-Policy")
        console = [entry["message"] for entry in driver.get_log("browser")]
        violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
        check(not violations, f"no Content-Security-Policy violations in the console ({violations[:2]})")
    finally:
        driver.quit()
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=40)
        except subprocess.TimeoutExpired:
            demo.kill()
            failures.append("the demo did not stop on Ctrl-C")
    check(demo.returncode == 0, f"the demo stopped cleanly on Ctrl-C (exit {demo.returncode})")
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
