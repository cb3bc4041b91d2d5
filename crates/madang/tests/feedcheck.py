"""Checks one feed file with feedparser: no bozo flag, entries with absolute links.

Used by tests/feeds.rs when python3 has feedparser (pip install feedparser)."""
import sys

import feedparser

feed = feedparser.parse(sys.argv[1])
if feed.bozo:
    print(f"bozo: {feed.bozo_exception!r}")
    sys.exit(1)
if not feed.entries:
    print("no entries")
    sys.exit(1)
for entry in feed.entries:
    if not entry.link.startswith(("http://", "https://")):
        print(f"relative link {entry.link}")
        sys.exit(1)
print(f"{feed.version}: {len(feed.entries)} entries, no bozo")
