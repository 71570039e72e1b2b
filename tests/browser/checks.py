"""What every journey page is held to: axe-core, the page-weight budget, a screenshot.

axe-core comes inside the pinned axe-playwright-python wheel and is injected into the page from
disk: nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BUDGET = 150 * 1024  # bytes on the wire for HTML, CSS, JS and fonts, compressed
HEADER_ALLOWANCE = 512  # per response served from cache, whose headers the browser hides
IMMUTABLE = "public, max-age=31536000, immutable"

# Sizes of the document and every resource except images (photos are content, not page).
WEIGHT_JS = """() => {
  const entries = [performance.getEntriesByType('navigation')[0],
                   ...performance.getEntriesByType('resource')];
  return entries.filter(e => e && e.initiatorType !== 'img').map(e => ({
    name: e.name, type: e.initiatorType || 'navigation', transfer: e.transferSize,
    encoded: e.encodedBodySize, decoded: e.decodedBodySize}));
}"""


@dataclass
class PageReport:
    step: str
    url: str
    weight: int | None
    serious: list[str]
    minor: list[str]


@dataclass
class Checker:
    """Runs the checks on each page a journey visits and keeps a report for the summary."""

    name: str
    reports: list[PageReport] = field(default_factory=list)
    static_responses: list[tuple[str, str]] = field(default_factory=list)
    _n: int = 0

    def __post_init__(self):
        self.folder = ARTIFACTS / self.name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def watch(self, page):
        """Record the caching headers of every static asset the page loads."""

        def on_response(response):
            if "/static/" in response.url:
                self.static_responses.append(
                    (response.url, response.headers.get("cache-control", ""))
                )

        page.on("response", on_response)
        return page

    def check(self, page, step: str, *, weigh: bool = True) -> PageReport:
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("load")
        self._n += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{self._n:02d}-{slug}.png"), full_page=True)
        results = Axe().run(page).response
        serious, minor = [], []
        for v in results["violations"]:
            targets = "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"][:3])
            line = f"{v['id']} ({v['impact']}) {v['help']}: {targets}"
            (serious if v["impact"] in ("serious", "critical") else minor).append(line)
        weight = self.weigh(page) if weigh else None
        report = PageReport(step, page.url, weight, serious, minor)
        self.reports.append(report)
        return report

    @staticmethod
    def weigh(page) -> int:
        """Bytes a first visit transfers: the wire size, or body plus headers when cached."""
        total = 0
        for e in page.evaluate(WEIGHT_JS):
            total += e["transfer"] or (e["encoded"] + HEADER_ALLOWANCE)
            if e["type"] == "navigation" and e["decoded"] > 2048:
                # The HTML itself came compressed.
                assert e["encoded"] < e["decoded"], f"{e['name']} was not compressed"
        return total

    def summary(self) -> str:
        lines = [f"{self.name}: {len(self.reports)} pages"]
        for r in self.reports:
            kb = f"{r.weight / 1024:.1f} KB" if r.weight is not None else "n/a"
            lines.append(f"  {r.step:<40} {kb:>9}  {r.url}")
            lines.extend(f"      SERIOUS {s}" for s in r.serious)
            lines.extend(f"      minor   {s}" for s in r.minor)
        return "\n".join(lines)

    def assert_all(self):
        """No serious or critical axe violation, every page within budget, assets immutable."""
        summary = self.summary()
        (self.folder / "summary.txt").write_text(summary + "\n")
        print(summary)
        assert self.reports, "no page was checked"
        bad = [r for r in self.reports if r.serious]
        assert not bad, "axe found serious or critical violations:\n" + summary
        heavy = [r for r in self.reports if r.weight is not None and r.weight > BUDGET]
        assert not heavy, "pages over the 150 KB budget:\n" + summary
        assert self.static_responses, "no static asset was loaded"
        for url, cache in self.static_responses:
            assert "?v=" in url, url
            assert cache == IMMUTABLE, (url, cache)
