"""notionhub: signed webhooks in, correct Notion pages out."""

__version__ = "0.1.0"
