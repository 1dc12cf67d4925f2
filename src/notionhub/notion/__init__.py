"""Notion side of notionhub: databases described as code (``schema``) and the gateway to the API."""
