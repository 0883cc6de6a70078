"""Article URLs: one canonical spelling per article, and the publication behind it.

The canonical URL is the article's natural key (STYLE.md point 6), so two exports of
the same page must agree on it: the same article reached through an RSS link with
tracking parameters, an upper-case host or a default port is still the same article.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["canonical_url", "source_name"]

# Query parameters that only say how a reader arrived (campaigns, click ids, RSS feeds),
# never which article it is. Compared lower-case.
TRACKING_PARAMETERS = frozenset(
    {
        "maca",  # dw.com RSS links: ?maca=en-rss-en-all-1573-rdf
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ns_mchannel",  # BBC
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "ocid",
        "cmpid",
        "smid",  # nytimes.com share links
        "sr_share",
    }
)
TRACKING_PREFIXES = ("utm_",)

DEFAULT_PORTS = {"http": 80, "https": 443}

# Registered domain -> publication name. A host matches its domain and every subdomain.
PUBLICATIONS: dict[str, str] = {
    "themoscowtimes.com": "The Moscow Times",
    "aljazeera.com": "Al Jazeera",
    "aljazeera.net": "Al Jazeera",
    "tass.com": "TASS",
    "tass.ru": "TASS",
    "abcnews.go.com": "ABC News",
    "dw.com": "DW",
    "rte.ie": "RTÉ",
    "huffingtonpost.com": "HuffPost",
    "huffpost.com": "HuffPost",
    "chinadaily.com.cn": "China Daily",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "cnn.com": "CNN",
    "reuters.com": "Reuters",
    "apnews.com": "AP",
    "afp.com": "AFP",
    "bloomberg.com": "Bloomberg",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal",
    "ft.com": "Financial Times",
    "economist.com": "The Economist",
    "theguardian.com": "The Guardian",
    "independent.co.uk": "The Independent",
    "telegraph.co.uk": "The Telegraph",
    "npr.org": "NPR",
    "nbcnews.com": "NBC News",
    "cbsnews.com": "CBS News",
    "foxnews.com": "Fox News",
    "politico.com": "Politico",
    "politico.eu": "Politico",
    "france24.com": "France 24",
    "euronews.com": "Euronews",
    "rferl.org": "RFE/RL",
    "interfax.com": "Interfax",
    "rt.com": "RT",
    "meduza.io": "Meduza",
    "kyivindependent.com": "The Kyiv Independent",
    "aa.com.tr": "Anadolu Agency",
    "xinhuanet.com": "Xinhua",
    "scmp.com": "South China Morning Post",
}

# Longest first, so that a specific entry ("abcnews.go.com") wins over a shorter one.
_DOMAINS_LONGEST_FIRST = sorted(PUBLICATIONS, key=len, reverse=True)


def canonical_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL, or "" when there is none.

    "" and placeholders such as "#" give "", as do other schemes (`javascript:`,
    `mailto:`) and relative links: none of them identifies an article. Otherwise the
    host is lower-cased, a default port and the fragment dropped, tracking parameters
    (`utm_*`, dw.com's `maca`, click ids) removed and the rest normalised by w3lib.
    """
    candidate = url.strip()
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:  # e.g. "http://[::1" or a non-numeric port
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    # Rebuilt from the host alone: credentials ("user:pw@") never identify an article.
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    # Parameters are filtered as printed, not decoded and re-encoded, so that the rest
    # of the query reaches w3lib unchanged.
    query = "&".join(
        parameter
        for parameter in parts.query.split("&")
        if parameter and not _is_tracking_parameter(unquote_plus(parameter.split("=", 1)[0]))
    )
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    try:
        return canonicalize_url(rebuilt, keep_fragments=False)
    except (UnicodeError, ValueError):  # e.g. a lone surrogate, or a host IDNA rejects
        return ""


def source_name(url: str) -> str:
    """Name the publication behind a URL (or bare host), e.g. "TASS" for tass.com.

    Known sites come from PUBLICATIONS, matching the domain and its subdomains with
    "www." ignored; an unknown site is named by its host without "www."; no host, "".
    """
    candidate = url.strip()
    if "://" not in candidate:
        candidate = f"http://{candidate}"
    try:
        host = (urlsplit(candidate).hostname or "").rstrip(".")
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    for domain in _DOMAINS_LONGEST_FIRST:
        if host == domain or host.endswith(f".{domain}"):
            return PUBLICATIONS[domain]
    return host


def _is_tracking_parameter(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)
