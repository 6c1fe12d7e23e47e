"""robots.txt, as RFC 9309 says: a 4xx means everything is allowed; a 5xx or no answer means
nothing is. Rules are fetched once per origin per run, through the shared HTTP client."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from analyzer.errors import FetchError
from analyzer.sources.http import HttpClient

__all__ = ["RobotsCache"]

log = logging.getLogger(__name__)


class RobotsCache:
    """Answers "may this user agent fetch this URL?", caching one robots.txt per origin."""

    def __init__(self, client: HttpClient, user_agent: str) -> None:
        self._client = client
        self._agent = user_agent
        self._parsers: dict[str, RobotFileParser | bool] = {}

    def __repr__(self) -> str:
        return f"RobotsCache(origins={len(self._parsers)})"

    def _rules(self, origin: str) -> RobotFileParser | bool:
        if origin in self._parsers:
            return self._parsers[origin]
        rules: RobotFileParser | bool
        try:
            response = self._client.get(f"{origin}/robots.txt")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                rules = True  # no robots.txt (or forbidden): everything allowed
            else:
                log.warning(
                    "robots.txt of %s unreachable (%s): treating as disallowed", origin, exc
                )
                rules = False
        else:
            parser = RobotFileParser()
            parser.parse(response.content.decode("utf-8", "replace").splitlines())
            rules = parser
        self._parsers[origin] = rules
        return rules

    def allowed(self, url: str) -> bool:
        """True when robots.txt of ``url``'s origin lets our user agent fetch ``url``."""
        parts = urlsplit(url)
        rules = self._rules(f"{parts.scheme}://{parts.netloc}")
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self._agent, url)
