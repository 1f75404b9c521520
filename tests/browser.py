"""Headless Chromium driven by Selenium through Debian's chromedriver, for the review page and the review app.

The machine has no network: Chromium starts with every background fetch off and a fresh profile.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--force-device-scale-factor=1",
)


@contextlib.contextmanager
def chrome(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A Selenium driver of headless Chromium with a fresh profile, quit (and the profile removed) after."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for f in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            opts.add_argument(f)
        driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
        try:
            driver.set_page_load_timeout(60)
            yield driver
        finally:
            driver.quit()
