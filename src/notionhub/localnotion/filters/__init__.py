"""The filter and sort grammar of queries and views: a filter compiled into a test of a
page's values, sorts into keys; dates as UTC spans. Knows nothing of the index or storage."""
