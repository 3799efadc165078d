"""The vendored front-end files match the pinned npm packages (scripts/refresh-govuk-frontend)."""

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
STATIC = ROOT / "safeguard" / "static"


def pinned(package: str) -> str:
    return json.loads((ROOT / "package.json").read_text())["devDependencies"][package]


def test_vendored_versions_match_package_json():
    govuk = (STATIC / "vendor/govuk-frontend/VERSION").read_text().split()
    htmx = (STATIC / "vendor/htmx/VERSION").read_text().split()
    assert govuk == ["govuk-frontend", pinned("govuk-frontend")]
    assert htmx == ["htmx.org", pinned("htmx.org")]
    js = (STATIC / "vendor/govuk-frontend/govuk-frontend.min.js").read_text()
    assert f'const version="{pinned("govuk-frontend")}"' in js


def test_vendored_css_refers_to_assets_that_exist():
    css_dir = STATIC / "vendor/govuk-frontend"
    css = (css_dir / "govuk-frontend.min.css").read_text()
    urls = set(re.findall(r"url\(([^)]+)\)", css))
    assert urls, "expected font and image URLs in the GOV.UK Frontend CSS"
    for url in urls:
        assert not url.startswith("/"), f"{url} would not resolve under STATIC_URL"
        assert (css_dir / url.strip("\"'")).is_file(), url


def test_init_script_imports_the_vendored_module():
    init = (STATIC / "safeguard-init.js").read_text()
    imported = re.search(r'from "\./([^"]+)"', init)[1]
    assert (STATIC / imported).is_file()
